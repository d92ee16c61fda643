#!/usr/bin/env bash
# Mount time at any size, and the mount's memory after walking a big tree.
# Usage: bench/mount_scale.sh [WALK_FILES]   (default 10000000: find over 10^7 files)
set -euo pipefail
cd "$(dirname "$0")/.."
WALK=${1:-10000000}
cargo build --release --quiet
BIN=$PWD/target/release/synthfs
MNT=$(mktemp -d /tmp/synthfs-scale.XXXXXX)
PID=
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  mountpoint -q "$MNT" && umount -l "$MNT" || true
  rmdir "$MNT"
}
trap cleanup EXIT

for files in 1000 1000000 1000000000; do
  best=
  for run in 1 2 3 4 5; do
    s=$(date +%s%N)
    "$BIN" mount "$MNT" --files "$files" > /dev/null & PID=$!
    until mountpoint -q "$MNT"; do sleep 0.001; done
    ls "$MNT" > /dev/null
    e=$(date +%s%N)
    kill -TERM "$PID"; wait "$PID"; PID=
    ms=$(( (e - s) / 1000000 ))
    [ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
    all="${all:-}$ms "
  done
  echo "mount of $files files: process start to first listing, 5 runs: ${all}ms (best ${best} ms)"
  all=
done

"$BIN" mount "$MNT" --files "$WALK" > /dev/null & PID=$!
until mountpoint -q "$MNT"; do sleep 0.01; done
s=$(date +%s)
n=$(find "$MNT" -type f | wc -l)
e=$(date +%s)
echo "find -type f over $n files: $((e - s)) s; mount process peak RSS $(grep VmHWM /proc/$PID/status | awk '{print $2/1024 " MB"}'), now $(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MB"}')"
