#!/bin/bash
# technique: T1552.005
# tactic: credential_access
# what: instance credentials requested from the cloud metadata address (169.254.169.254) with curl.
#       The address exists only inside a private network namespace of this script, on its loopback
#       device, with a local server answering: nothing leaves the machine.
# source: ART T1552.005 (cloud instance metadata API); event-generator contact_ec2_instance_metadata_service_from_container
# cleanup: the network namespace and its server end with the script
. "$(dirname "$0")/lib.sh"
vg_have unshare curl
d=$(vg_tmp)
mkdir -p "$d/latest/meta-data/iam/security-credentials"
echo vg-role > "$d/latest/meta-data/iam/security-credentials/index.html"
unshare -n sh -c '
	ip link set lo up
	ip addr add 169.254.169.254/32 dev lo
	cd "$1" && timeout 10 python3 -m http.server --bind 169.254.169.254 80 >/dev/null 2>&1 &
	for i in 1 2 3 4 5 6 7 8 9 10; do curl -s -m 1 http://169.254.169.254/latest/meta-data/iam/security-credentials/ && break; sleep 0.2; done
	kill $! 2>/dev/null
' sh "$d" >/dev/null
