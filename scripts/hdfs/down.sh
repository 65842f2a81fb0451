#!/usr/bin/env bash
# Stop the HDFS started by up.sh: control /shutdown, then SIGTERM, then SIGKILL; and its
# HttpFS gateway (--httpfs) first: SIGTERM, then SIGKILL. Idempotent: exit 0 when nothing runs.
# usage: bash scripts/hdfs/down.sh [--dir DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

dir=$ROOT/build/hdfs/run
while (($#)); do
  case $1 in
    --dir) dir=${2:?--dir needs a value}; shift 2 ;;
    -h | --help) sed -n '2,4s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "hdfs:down: unknown option: $1" >&2; exit 2 ;;
  esac
done
[[ -d $dir ]] || exit 0
dir=$(cd "$dir" && pwd)

# only ever signal the JVMs of this dir (pid files can be stale)
pid=$(cat "$dir/hdfs.pid" 2>/dev/null || true)
ours() {
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" |
    grep -qF "MiniHdfs serve --dir $dir "
}
hpid=$(cat "$dir/httpfs.pid" 2>/dev/null || true)
ours_httpfs() {
  [[ $hpid =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$hpid/cmdline" |
    grep -F -- "-Dhttpfs.home.dir=$dir/httpfs " | grep -qF HttpFSServerWebServer
}
# wait up to $2 seconds until test $1 fails (the JVM exited)
gone() {
  local end=$((SECONDS + $2))
  while $1; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

# the gateway first: it is a client of the cluster
if ours_httpfs; then
  kill -TERM "$hpid" 2>/dev/null || true
  gone ours_httpfs 15 || { kill -KILL "$hpid" 2>/dev/null || true; gone ours_httpfs 5; } ||
    { echo "hdfs:down: HttpFS pid $hpid would not die" >&2; exit 1; }
  echo "hdfs: stopped HttpFS (pid $hpid)"
fi
rm -f "$dir/httpfs.pid"

if ours; then
  CONTROL_URL=""
  # shellcheck source=/dev/null
  [[ -f $dir/env ]] && . "$dir/env"
  if [[ -n $CONTROL_URL ]]; then
    curl -s -o /dev/null -X POST --max-time 60 "$CONTROL_URL/shutdown" || true
  fi
  gone ours 15 || { kill -TERM "$pid" 2>/dev/null || true; gone ours 15; } ||
    { kill -KILL "$pid" 2>/dev/null || true; gone ours 5; } ||
    { echo "hdfs:down: pid $pid would not die" >&2; exit 1; }
  echo "hdfs: stopped (pid $pid)"
fi
rm -f "$dir/state.json" "$dir/env" "$dir/hdfs.pid" "$dir/opts"
