#!/bin/bash
# technique: T1552.001
# tactic: credential_access
# what: file searches for cloud and service credentials: AWS (.aws/credentials), boto, gcloud
#       (credentials.db, access_tokens.db), Azure (azureProfile.json), OCI, .netrc, .git-credentials
# source: ART T1552.001 #1 "Find AWS credentials", #6, #15, #16, #17; event-generator find_aws_credentials (Falco stable)
# cleanup: nothing is written
. "$(dirname "$0")/lib.sh"
d=$(vg_tmp)
find "$d" /root -maxdepth 3 -name credentials -path '*.aws*' 2>/dev/null
find "$d" /root -maxdepth 3 \( -name .boto -o -name credentials.db -o -name access_tokens.db -o -name azureProfile.json \) 2>/dev/null
find "$d" /root -maxdepth 3 \( -name .netrc -o -name .git-credentials \) 2>/dev/null
grep -rIs aws_secret_access_key "$d" 2>/dev/null
true
