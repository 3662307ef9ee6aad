#!/bin/bash
# technique: T1110.004
# tactic: credential_access
# what: many SSH logins tried in a row against one host (127.0.0.1; refused or failed, nothing logs in)
# source: ART T1110.004 #1 "SSH Credential Stuffing From Linux", T1110.001 (password guessing)
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
vg_have ssh
for u in root admin test oracle ubuntu postgres git deploy user guest www backup; do
	ssh -o BatchMode=yes -o ConnectTimeout=1 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-p 22 "$u@127.0.0.1" true 2>/dev/null
done
true
