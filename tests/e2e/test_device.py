"""usb_device_event's source, the kernel's uevents: this VM has no USB bus (no
/sys/bus/usb), so no real USB device event can be made here; the test makes the kernel
send a synthetic uevent for an existing device (writing "change UUID" to its uevent
file) and checks that the agent heard it and made no USB event of it, and that a USB
"add" forged by a process on the same netlink group is refused. Parsing a real USB
device's uevent is tests/unit/test_uevent.c."""
import os
import socket
import time
import uuid

from vigiltest import Agent, check

NETLINK_KOBJECT_UEVENT = 15
DEVICE = "/sys/devices/virtual/mem/null/uevent"


def uevent_stats(agent):
    stats = [e for e in agent.events() if e.get("kind") == "stats" and "uevents" in e]
    return stats[-1]["uevents"] if stats else None


def wait_stats(agent, pred, timeout=5.0):
    deadline = time.time() + timeout
    while True:
        s = uevent_stats(agent)
        if (s and pred(s)) or time.time() > deadline:
            return s
        time.sleep(0.1)


def test_uevents_are_heard_and_only_the_kernels_usb_ones_count():
    check(os.path.exists(DEVICE), "no %s to make a uevent with" % DEVICE)
    forged = (b"add@/devices/pci0000:00/usb1/1-9\0ACTION=add\0DEVPATH=/devices/pci0000:00/usb1/1-9\0"
              b"SUBSYSTEM=usb\0DEVTYPE=usb_device\0PRODUCT=dead/beef/1\0SEQNUM=1")
    with Agent("--stats-interval", "0.3", events="usb_device_event", profile="default") as agent:
        before = wait_stats(agent, lambda s: True)
        check(before is not None, "no uevent counters in the stats line: %s" % agent.stderr[-2000:])
        with open(DEVICE, "w") as f:
            f.write("change %s" % uuid.uuid4())
        heard = wait_stats(agent, lambda s: s["received"] > before["received"])
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
        s.bind((0, 0))
        s.sendto(forged, (0, 1))  # to the kernel's group, from a process
        s.close()
        refused = wait_stats(agent, lambda s: s["foreign"] > before["foreign"])
    check(heard["received"] > before["received"], (before, heard))
    check(refused["foreign"] > before["foreign"], (before, refused))
    usb = [e for e in agent.lines if e.get("event") == "usb_device_event"]
    check(not usb and agent.final_stats()["uevents"]["usb_device_events"] == 0, usb[:1])
