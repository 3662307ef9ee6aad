#!/bin/bash
# technique: T1497.001
# tactic: discovery, defense_evasion
# what: checks for a virtual machine: systemd-detect-virt, DMI product strings, hypervisor flags,
#       virtio/vbox kernel modules
# source: ART T1497.001 #1 "Detect Virtualization Environment (Linux)", T1082 #4 "Linux VM Check via Hardware", #5 "via Kernel Modules"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
systemd-detect-virt >/dev/null 2>&1
grep -i "hypervisor" /proc/cpuinfo >/dev/null
cat /sys/class/dmi/id/product_name 2>/dev/null | grep -i "VirtualBox\|VMware\|QEMU\|HVM" >/dev/null
lsmod 2>/dev/null | grep -i "vboxsf\|vboxguest\|vmw_balloon\|virtio_pci" >/dev/null
true
