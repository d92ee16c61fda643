#!/usr/bin/env bash
# synthfs materialize against the usual ways of putting a tree on disk, side by side in one run,
# onto the same ext4 disk and onto tmpfs: `tar -x` of a tar of the same tree held on tmpfs,
# `cp -a` from tmpfs, and a plain sequential Python writer (the seeds' baseline). Every timing
# includes `sync`. Prints files/s and ratios: each time over synthfs's ("synthfs x") and over
# synthfs --no-owners --no-xattrs, which does the Python writer's work ("lean x"); above 1 means
# synthfs is faster.
# Usage: bench/materialize.sh [FILES]   (default 100000; needs root for tmpfs)
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-100000}
cargo build --release --quiet
BIN=$PWD/target/release/synthfs
DISK_BASE=${DISK_BASE:-/var/tmp}
WORK=$(mktemp -d /tmp/synthfs-mbench.XXXXXX)
DISK=$(mktemp -d "$DISK_BASE/synthfs-mbench-disk.XXXXXX")
SRC=$WORK/src
TMPT=$WORK/target
mkdir -p "$SRC" "$TMPT"
cleanup() {
  mountpoint -q "$SRC" && umount "$SRC" || true
  mountpoint -q "$TMPT" && umount "$TMPT" || true
  rm -rf "$WORK" "$DISK"
}
trap cleanup EXIT
mount -t tmpfs -o size=12g tmpfs "$SRC"
mount -t tmpfs -o size=12g tmpfs "$TMPT"
echo "ext4 target: $(df -T "$DISK" | tail -1 | awk '{print $1, $2}') at $DISK; tmpfs target: $TMPT"

secs() { local s e; s=$(date +%s.%N); "$@" > /dev/null; sync; e=$(date +%s.%N); echo "$e - $s" | bc -l; }

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
    T[synthfs]=$(secs "$BIN" materialize "$dest" --files "$FILES" "$@")
    rm -rf "$dest"; mkdir -p "$dest"; sync
    # The same work as the Python writer: bytes and times (and modes), no owners or xattrs.
    T[lean]=$(secs "$BIN" materialize "$dest" --files "$FILES" "$@" --no-owners --no-xattrs)
    rm -rf "$dest"; mkdir -p "$dest"; sync
    T[tar]=$(secs tar -xf "$SRC/tree.tar" -C "$dest")
    rm -rf "$dest"; sync
    T[cp]=$(secs cp -a "$SRC/tree" "$dest")
    rm -rf "$dest"; mkdir -p "$dest"; sync
    T[python]=$(secs python3 bench/seq_writer.py "$SRC/tree" "$dest")
    rm -rf "$dest"; sync
    for m in synthfs lean tar cp python; do
      printf '%-8s %-34s %9.2f %12.0f %10.2f %10.2f\n' "$target" "$(case $m in synthfs) echo 'synthfs materialize';; lean) echo 'synthfs --no-owners --no-xattrs';; tar) echo 'tar -x';; cp) echo 'cp -a';; python) echo 'python sequential';; esac)" \
        "${T[$m]}" "$(echo "$FILES / ${T[$m]}" | bc -l)" "$(echo "${T[$m]} / ${T[synthfs]}" | bc -l)" "$(echo "${T[$m]} / ${T[lean]}" | bc -l)"
    done
  done
}

run_variant "bench profile (enterprise shape, files of about 7 KiB)" --profile bench/bench.toml --dirs $((FILES / 100))
run_variant "small files (about 4 KiB each)" --profile bench/small4k.toml --dirs $((FILES / 25))
