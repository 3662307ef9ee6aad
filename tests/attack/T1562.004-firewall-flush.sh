#!/bin/bash
# technique: T1562.004
# tactic: defense_evasion
# what: the firewall opened: iptables policy set to ACCEPT and every rule flushed, inside a private
#       network namespace of the script (the host's firewall is never touched)
# source: ART T1686 (T1562.004) #18 "Disable iptables", #19 "Modify/delete iptables firewall rules"
# cleanup: the network namespace ends with the script
. "$(dirname "$0")/lib.sh"
vg_have unshare iptables
unshare -n sh -c 'iptables -P INPUT ACCEPT; iptables -F; iptables -X' 2>/dev/null
true
