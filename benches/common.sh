# What every side-by-side bench shares; sourced, never run. A bench works from anywhere: it
# runs at the repository root, on the release binary built here, in a scratch directory that
# is removed on exit with everything mounted under it and the mount it started stopped.
# SYNTHFS_BIN=PATH benches a given binary instead (say, the build before a change) and skips
# the build.
#
#   . "$(dirname "$0")/common.sh"
#   scratch NAME            # WORK=/tmp/synthfs-NAME.XXXXXX
#   tmpfs_at "$WORK/src" 6g # a tmpfs there (root only)
#   mount_at "$WORK/mnt" --files 1M; ...; unmount
set -euo pipefail
BENCHES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=${SYNTHFS_BIN:+$(realpath "$SYNTHFS_BIN")}
cd "$BENCHES/.."
if [ -z "$BIN" ]; then
  cargo build --release --quiet
  BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/synthfs
fi

PID=
WORK=
CLEAN_ALSO=()
# scratch NAME: a fresh $WORK, cleaned up on exit (with any directory added to CLEAN_ALSO).
scratch() {
  WORK=$(mktemp -d "/tmp/synthfs-$1.XXXXXX")
  trap cleanup EXIT
}
cleanup() {
  [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  local m
  # Deepest first, so a mount inside another comes off before it.
  findmnt -rn -o TARGET | awk -v w="$WORK/" 'index($0, w) == 1' | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf "$WORK" "${CLEAN_ALSO[@]}"
}

# tmpfs_at DIR SIZE: a fresh tmpfs of SIZE (e.g. 6g) at DIR.
tmpfs_at() {
  mkdir -p "$1"
  mount -t tmpfs -o size="$2" tmpfs "$1"
}

# mount_at DIR [synthfs mount options...]: mounts in the background ($PID, banner in
# $WORK/banner) and returns once DIR is a mount point.
mount_at() {
  local dir=$1
  shift
  mkdir -p "$dir"
  "$BIN" mount "$dir" "$@" > "$WORK/banner" &
  PID=$!
  wait_mounted "$dir"
}
# wait_mounted DIR: polls every millisecond (mount times are measured by it); fails if the
# mount process ends first.
wait_mounted() {
  until mountpoint -q "$1"; do
    kill -0 "$PID" 2>/dev/null || { echo "synthfs mount $1 ended before mounting:" >&2; cat "$WORK/banner" >&2; return 1; }
    sleep 0.001
  done
}
# unmount: stops the mount started last (SIGTERM unmounts it).
unmount() {
  kill -TERM "$PID"
  wait "$PID" || true
  PID=
}

# secs CMD...: the wall seconds CMD takes, its output discarded.
secs() {
  local s e
  s=$(date +%s.%N)
  "$@" > /dev/null 2>&1
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l | xargs printf '%.3f'
}
