#!/bin/bash
# technique: T1059.004
# tactic: execution
# what: a shell started from awk (awk 'BEGIN {system("/bin/sh")}'), fed exit
# source: ART T1059.004 #14 "Shell Creation using awk command"
# cleanup: nothing persists
. "$(dirname "$0")/lib.sh"
echo exit | awk 'BEGIN {system("/bin/sh")}'
