#!/usr/bin/env bash
# Mount time at any size, and the mount's memory after walking a big tree.
# Usage: [RUNS=5] benches/mount_scale.sh [WALK_FILES]   (default 10000000: find over 10^7 files)
. "$(dirname "$0")/common.sh"
WALK=${1:-10000000}
RUNS=${RUNS:-5}
scratch scale
MNT=$WORK/mnt

for files in 1000 1000000 1000000000; do
  best=
  all=
  for _ in $(seq "$RUNS"); do
    s=$(date +%s%N)
    mount_at "$MNT" --files "$files"
    ls "$MNT" > /dev/null
    e=$(date +%s%N)
    unmount
    ms=$(( (e - s) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    all="$all$ms "
  done
  echo "mount of $files files: process start to first listing, $RUNS runs: ${all}ms (best ${best} ms)"
done

mount_at "$MNT" --files "$WALK"
s=$(date +%s)
n=$(find "$MNT" -type f | wc -l)
e=$(date +%s)
echo "find -type f over $n files: $((e - s)) s; mount process peak RSS $(grep VmHWM /proc/$PID/status | awk '{print $2/1024 " MB"}'), now $(grep VmRSS /proc/$PID/status | awk '{print $2/1024 " MB"}')"
