#!/usr/bin/env bash
# synthfs materialize against the usual ways of putting a tree on disk, side by side in one run,
# onto the same ext4 disk and onto tmpfs: `tar -x` of a tar of the same tree held on tmpfs,
# `cp -a` from tmpfs, and a plain sequential Python writer (the seeds' baseline). Every timing
# includes `sync`. Prints files/s and ratios: each time over synthfs's ("synthfs x") and over
# synthfs --no-owners --no-xattrs, which does the Python writer's work ("lean x"); above 1 means
# synthfs is faster.
# Usage: [DISK_BASE=/var/tmp] benches/materialize.sh [FILES]   (default 100000; needs root for
# tmpfs; the disk target is a scratch directory under DISK_BASE)
. "$(dirname "$0")/common.sh"
FILES=${1:-100000}
scratch mbench
DISK=$(mktemp -d "${DISK_BASE:-/var/tmp}/synthfs-mbench-disk.XXXXXX")
CLEAN_ALSO+=("$DISK")
SRC=$WORK/src
TMPT=$WORK/target
tmpfs_at "$SRC" 12g
tmpfs_at "$TMPT" 12g
echo "ext4 target: $(df -T "$DISK" | tail -1 | awk '{print $1, $2}') at $DISK; tmpfs target: $TMPT"

# Every timing includes the sync that puts the writes on the disk.
synced() { local rc=0; "$@" || rc=$?; sync; return $rc; }

run_variant() { # label profile-args...
  local label=$1; shift
  rm -rf "${SRC:?}"/*
  "$BIN" materialize "$SRC/tree" --files "$FILES" "$@" --force > /dev/null 2>&1 || { mkdir -p "$SRC/tree"; "$BIN" materialize "$SRC/tree" --files "$FILES" "$@" > /dev/null; }
  rm -f "$SRC/tree/.synthfs.json"
  tar -cf "$SRC/tree.tar" -C "$SRC/tree" .
  local bytes; bytes=$(du -s --apparent-size --block-size=1 "$SRC/tree" | cut -f1)
  echo
  echo "== $label: $FILES files, $bytes bytes"
  printf '%-8s %-34s %9s %12s %10s %10s\n' target method seconds files/s "synthfs x" "lean x"
  for target in ext4 tmpfs; do
    local dest
    if [ $target = ext4 ]; then dest=$DISK/t; else dest=$TMPT/t; fi
    declare -A T=()
    rm -rf "$dest"; mkdir -p "$dest"; sync
    T[synthfs]=$(secs synced "$BIN" materialize "$dest" --files "$FILES" "$@")
    rm -rf "$dest"; mkdir -p "$dest"; sync
    # The same work as the Python writer: bytes and times (and modes), no owners or xattrs.
    T[lean]=$(secs synced "$BIN" materialize "$dest" --files "$FILES" "$@" --no-owners --no-xattrs)
    rm -rf "$dest"; mkdir -p "$dest"; sync
    T[tar]=$(secs synced tar -xf "$SRC/tree.tar" -C "$dest")
    rm -rf "$dest"; sync
    T[cp]=$(secs synced cp -a "$SRC/tree" "$dest")
    rm -rf "$dest"; mkdir -p "$dest"; sync
    T[python]=$(secs synced python3 "$BENCHES/seq_writer.py" "$SRC/tree" "$dest")
    rm -rf "$dest"; sync
    for m in synthfs lean tar cp python; do
      printf '%-8s %-34s %9.2f %12.0f %10.2f %10.2f\n' "$target" "$(case $m in synthfs) echo 'synthfs materialize';; lean) echo 'synthfs --no-owners --no-xattrs';; tar) echo 'tar -x';; cp) echo 'cp -a';; python) echo 'python sequential';; esac)" \
        "${T[$m]}" "$(echo "$FILES / ${T[$m]}" | bc -l)" "$(echo "${T[$m]} / ${T[synthfs]}" | bc -l)" "$(echo "${T[$m]} / ${T[lean]}" | bc -l)"
    done
  done
}

run_variant "bench profile (enterprise shape, files of about 7 KiB)" --profile "$BENCHES/bench.toml" --dirs $((FILES / 100))
run_variant "small files (about 4 KiB each)" --profile "$BENCHES/small4k.toml" --dirs $((FILES / 25))
