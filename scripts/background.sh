#!/usr/bin/env bash
# Runs a command at the lowest CPU priority, in a session of its own so that the caller
# can stop it with its whole process group (kill -- -PID):
#
#   scripts/background.sh COMMAND [ARG...] &
#
# With the kernel's autogroup scheduling every session gets an equal share of the CPU
# whatever the nice of its processes, so the new session's own nice is set to 19 as
# well: the command then takes only what the foreground leaves.
set -euo pipefail
exec setsid bash -c 'echo 19 >/proc/self/autogroup 2>/dev/null || true; exec nice -n 19 "$@"' \
  background "$@"
