#!/usr/bin/env bash
# Stop the Sling started by tests/sling/start.sh (by its pid; the whole process group).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${XMPAUDIT_SLING_WORK:-$ROOT/.sling}
[ -f "$WORK/sling.pid" ] || exit 0
pid=$(cat "$WORK/sling.pid")
kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
rm -f "$WORK/sling.pid"
