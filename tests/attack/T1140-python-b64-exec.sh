#!/bin/bash
# technique: T1140
# tactic: defense_evasion, execution
# what: python decodes a base64 blob and runs it with exec(); perl decodes one and runs it with system()
# source: ART T1140 #3 "Base64 decoding with Python", #4 "... with Perl", #10 "XOR decoding and command execution using Python"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
python3 -c "import base64; exec(base64.b64decode('cHJpbnQoImhlbGxvIik='))" >/dev/null
perl -MMIME::Base64 -e 'system(decode_base64("ZWNobyBoZWxsbw=="))' >/dev/null
