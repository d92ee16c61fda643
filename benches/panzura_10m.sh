#!/usr/bin/env bash
# The Panzura demo toolkit's 10-million-file share, built-in `panzura-demo`, measured the way the
# toolkit's users would build and scan it (its last 10M build took 8 h 46 min):
# - mount of the 10M tree: process start to the first listing of the root;
# - `du -s` of the whole mount, just mounted (cold: every folder listed, every file's attributes);
# - `manifest` of the 10M tree as JSONL to /dev/null (records/s);
# - materialize of one tenth of it (`--shard 1/10`: 1,000,000 files) onto DEST (ext4), with the
#   time projected for 10M (x10; shards are independent, so N machines divide it again).
#   SIZE_SCALE (default 0.001) shrinks the bytes: the full-size slice is about 1.5 TB on disk,
#   which no test machine has; creating files, xattrs, owners and times is what is timed.
# Usage: [SIZE_SCALE=0.001] benches/panzura_10m.sh [DEST_DIR] [FILES]   (default /var/tmp, 10M;
# needs root and FUSE)
. "$(dirname "$0")/common.sh"
DEST_PARENT=${1:-/var/tmp}
FILES=${2:-10000000}
SCALE=${SIZE_SCALE:-0.001}
scratch p10m
MNT=$WORK/mnt
DEST=$(mktemp -d "$DEST_PARENT/synthfs-p10m-dest.XXXXXX")
CLEAN_ALSO+=("$DEST")
TREE=(--profile panzura-demo --files "$FILES")
now() { date +%s.%N; }
echo "panzura-demo, $FILES files; $(nproc) cores; DEST on $(df -T "$DEST" | awk 'NR==2 {print $2}')"

s=$(now)
mount_at "$MNT" "${TREE[@]}"
ls "$MNT" > /dev/null
e=$(now)
printf 'mount: %.3f s to the first listing\n' "$(echo "$e - $s" | bc -l)"
s=$(now)
du -s "$MNT" > "$WORK/du.txt"
e=$(now)
printf 'du -s, cold: %.1f s (%s KiB on disk); mount peak RSS %s\n' "$(echo "$e - $s" | bc -l)" \
  "$(cut -f1 "$WORK/du.txt")" "$(grep VmHWM /proc/$PID/status | awk '{print $2/1024 " MB"}')"
s=$(now)
du -s --apparent-size "$MNT" > /dev/null
e=$(now)
printf 'du -s --apparent-size, warm: %.1f s\n' "$(echo "$e - $s" | bc -l)"
unmount

s=$(now)
"$BIN" manifest "${TREE[@]}" > /dev/null
e=$(now)
t=$(echo "$e - $s" | bc -l)
printf 'manifest: %.1f s, %.0f records/s\n' "$t" "$(echo "$FILES / $t" | bc -l)"

mkdir -p "$DEST/share"
s=$(now)
"$BIN" materialize "$DEST/share" "${TREE[@]}" --size-scale "$SCALE" --shard 1/10 > /dev/null
sync
e=$(now)
t=$(echo "$e - $s" | bc -l)
n=$(find "$DEST/share" -type f ! -name .synthfs.json | wc -l)
printf 'materialize --shard 1/10 (size scale %s): %.1f s for %d files (%.0f files/s), %s on disk; 10M projected: %.1f h on one machine (the toolkit: 8 h 46 min)\n' \
  "$SCALE" "$t" "$n" "$(echo "$n / $t" | bc -l)" "$(du -sh "$DEST/share" | cut -f1)" "$(echo "$t * 10 / 3600" | bc -l)"
