#!/bin/bash
# technique: T1518.001
# tactic: discovery
# what: the process list searched for security agents (ps aux | egrep 'falcond|nessusd|...')
# source: ART T1518.001 #4 "Security Software Discovery - ps (Linux)"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
ps aux | egrep 'falcond|nessusd|cbagentd|td-agent|packetbeat|filebeat|auditbeat|osqueryd' >/dev/null
true
