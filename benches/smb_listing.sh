#!/usr/bin/env bash
# `serve smb` against smbd sharing a materialized copy of the same tree on tmpfs: what a
# Windows scanner's first pass costs over SMB. Two clients, each cold (a fresh server, a fresh
# mount) and warm (the same listing again):
#   - smbclient -c 'recurse; ls': names, sizes, attributes, times of every folder and file;
#   - a Python smbprotocol walk (tests/it/smb/walk_share.py): that, plus each node's security
#     descriptor (owner, group, DACL), as permission scanners read it.
# Both servers have the same configuration (the one `serve smb` writes), guest access on
# loopback. Prints medians of ROUNDS and the ratios tmpfs time / serve time (1.0: as fast as
# tmpfs; the goal: cold >= 0.5, warm >= 0.8).
#
# usage: benches/smb_listing.sh [FILES (20000)] [ROUNDS (5)]   (root; smbd, smbclient, smbprotocol)
#   SERVE_OPTS="--busy-poll 2"   extra options for `serve smb`
#   CLIENTS="smbclient_ls"       the clients to time (default: smbclient_ls walk)
. "$(dirname "$0")/common.sh"
FILES=${1:-20000}
ROUNDS=${2:-5}
TREE=(--files "$FILES" --nt-acls --size-scale 0.001)
WALK="$BENCHES/../tests/it/smb/walk_share.py"
scratch smb
SERVE_PORT=4461
TMPFS_PORT=4462

tmpfs_at "$WORK/tmpfs" 8g
"$BIN" materialize "$WORK/tmpfs/share" "${TREE[@]}" > /dev/null

# A guest-only smbd over $1 on port $2, configured as `serve smb` configures its own.
SMBD_PID=
start_tmpfs_smbd() {
  local state="$WORK/smbd"
  rm -rf "$state"
  mkdir -p "$state"/{private,lock,state,cache,pid,ncalrpc}
  cat > "$state/smb.conf" <<CONF
[global]
  server role = standalone server
  smb ports = $2
  interfaces = 127.0.0.1
  bind interfaces only = yes
  disable netbios = yes
  server min protocol = SMB2_02
  private dir = $state/private
  lock directory = $state/lock
  state directory = $state/state
  cache directory = $state/cache
  pid directory = $state/pid
  ncalrpc dir = $state/ncalrpc
  passdb backend = tdbsam:$state/private/passdb.tdb
  log file = $state/smbd.log
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  map to guest = Bad User
  guest account = nobody
[share]
  path = $1
  read only = yes
  force user = root
  guest ok = yes
  guest only = yes
  vfs objects = acl_xattr streams_xattr
  acl_xattr:ignore system acls = yes
  store dos attributes = yes
  map archive = no
  map hidden = no
  map system = no
  map readonly = no
  hide dot files = no
  ea support = no
  kernel oplocks = no
  kernel share modes = no
  posix locking = no
CONF
  setsid /usr/sbin/smbd --foreground --no-process-group --configfile "$state/smb.conf" < /dev/null > /dev/null 2>&1 &
  SMBD_PID=$!
  until (exec 3<>/dev/tcp/127.0.0.1/"$2") 2> /dev/null; do sleep 0.02; done
}
stop_tmpfs_smbd() {
  kill -TERM -- -"$SMBD_PID" 2> /dev/null || true
  wait "$SMBD_PID" 2> /dev/null || true
}
start_serve() {
  : > "$WORK/ready"
  # shellcheck disable=SC2086 # SERVE_OPTS is a list of options
  "$BIN" serve smb --guest --listen 127.0.0.1:"$SERVE_PORT" "${TREE[@]}" ${SERVE_OPTS:-} --json > "$WORK/ready" &
  PID=$!
  until [ -s "$WORK/ready" ]; do kill -0 "$PID" || exit 1; sleep 0.02; done
}
stop_serve() {
  kill -TERM "$PID"
  wait "$PID" || true
  PID=
}
smbclient_ls() { smbclient //127.0.0.1/share -p "$1" -N -c 'recurse; ls'; }
walk() { python3 "$WALK" 127.0.0.1 "$1" share "" ""; }

# timed CMD...: CMD's wall seconds; its output (in $WORK/out) is kept, and a failure ends the bench.
timed() {
  local s e
  s=$(date +%s.%N)
  "$@" > "$WORK/out" 2>&1 || { echo "failed: $*" >&2; tail -5 "$WORK/out" >&2; exit 1; }
  e=$(date +%s.%N)
  echo "$e - $s" | bc -l | xargs printf '%.3f'
}
declare -A T
record() { T[$1]+="$2 "; }
for r in $(seq "$ROUNDS"); do
  for client in ${CLIENTS:-smbclient_ls walk}; do
    sync
    echo 3 > /proc/sys/vm/drop_caches
    start_serve
    record "serve $client cold" "$(timed "$client" "$SERVE_PORT")"
    record "serve $client warm" "$(timed "$client" "$SERVE_PORT")"
    stop_serve
    start_tmpfs_smbd "$WORK/tmpfs/share" "$TMPFS_PORT"
    record "tmpfs $client cold" "$(timed "$client" "$TMPFS_PORT")"
    record "tmpfs $client warm" "$(timed "$client" "$TMPFS_PORT")"
    stop_tmpfs_smbd
  done
  echo "round $r done" >&2
done
# Sanity: both listings and walks name the same number of entries (the copy also has
# materialize's .synthfs.json).
start_serve
a=$(smbclient_ls "$SERVE_PORT" | grep -c '^  ')
wa=$(walk "$SERVE_PORT" | wc -l)
stop_serve
start_tmpfs_smbd "$WORK/tmpfs/share" "$TMPFS_PORT"
b=$(smbclient_ls "$TMPFS_PORT" | grep -c '^  ')
wb=$(walk "$TMPFS_PORT" | wc -l)
stop_tmpfs_smbd

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
echo "synthfs serve smb vs smbd over tmpfs, $FILES files, $ROUNDS rounds (medians, seconds); smbclient lines: $a vs $b; nodes walked: $wa vs $wb"
printf '%-12s %-6s %10s %10s %8s\n' client cache serve tmpfs ratio
for client in ${CLIENTS:-smbclient_ls walk}; do
  for cache in cold warm; do
    s=$(echo "${T[serve $client $cache]}" | median)
    t=$(echo "${T[tmpfs $client $cache]}" | median)
    printf '%-12s %-6s %10.3f %10.3f %8.2f\n' "$client" "$cache" "$s" "$t" "$(echo "$t / $s" | bc -l)"
  done
done
