#!/usr/bin/env bash
# Metadata walks and content reads on the same tree: a copy on tmpfs against the synthfs mount,
# cold (just mounted) and warm (second pass), side by side in one run, with ratios.
# Usage: [ROUNDS=3] benches/mount_vs_tmpfs.sh [FILES] [DIRS]   (default 200000 files in 2000 folders)
# Each walk runs ROUNDS times, tmpfs and fresh mounts alternating, and the table shows medians:
# the machine is shared and a single run can be off by a third. Ratios are the median of each
# round's own ratio (mount over the tmpfs run just before it), with their range.
# Needs root (tmpfs and the FUSE mount). Writes nothing outside a temp directory.
. "$(dirname "$0")/common.sh"
FILES=${1:-200000}
DIRS=${2:-2000}
ROUNDS=${ROUNDS:-3}
scratch bench
MNT=$WORK/mnt
TMPFS=$WORK/tmpfs

mount_synthfs() { # [extra mount options]
  mount_at "$MNT" --profile "$BENCHES/bench.toml" --files "$FILES" --dirs "$DIRS" "$@"
  # Let the background totals walk finish so it does not compete with the measurement.
  sleep $(( FILES / 500000 + 1 ))
}

# "elapsed cpu": seconds, and the CPU (user + system) of the command and its children, which
# for a walk on FUSE is mostly the kernel making inodes and dentries in the walker's context.
tc() { local TIMEFORMAT='%R %U %S' r; r=$({ time "$@" > /dev/null 2>&1; } 2>&1 | tail -1); awk '{printf "%.3f %.3f", $1, $2 + $3}' <<< "$r"; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

echo "tree: $FILES files in $DIRS folders (benches/bench.toml)"
wake=/sys/module/fuse/parameters/wake_here
echo "machine: $(nproc) CPUs, kernel $(uname -r)$([ -r $wake ] && echo ", fuse wake_here=$(cat $wake)")"
tmpfs_at "$TMPFS" 20g
mount_synthfs
echo "copying the tree onto tmpfs through the mount (cp -a keeps sizes, times, modes, owners) ..."
cp -a "$MNT/." "$TMPFS/"
unmount
BYTES=$(du -s --apparent-size --block-size=1 "$TMPFS" | cut -f1)
echo "tmpfs copy: $(find "$TMPFS" -type f | wc -l) files, $BYTES bytes"

declare -A RES
ops=(find du ls read)
run_op() { # op root: prints "elapsed cpu"
  case $1 in
    find) tc find "$2" -type f ;;
    du) tc du -s --apparent-size "$2" ;;
    ls) tc ls -lR "$2" ;;
    read) tc sh -c "find '$2' -type f -print0 | xargs -0 -P 1 cat" ;;
  esac
}
label_of() { # op
  case $1 in
    find) echo "find -type f" ;; du) echo "du -s --apparent-size" ;; ls) echo "ls -lR > /dev/null" ;; read) echo "read all content (cat)" ;;
  esac
}
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
for op in "${ops[@]}"; do
  for _ in $(seq "$ROUNDS"); do
    drop; read -r tm tmc <<< "$(run_op "$op" "$TMPFS")"
    mount_synthfs; read -r c cc <<< "$(run_op "$op" "$MNT")"; read -r w _ <<< "$(run_op "$op" "$MNT")"; unmount
    # The same cold walk with busy polling (off by default), to show what it buys on this machine.
    mount_synthfs --busy-poll 5; read -r np _ <<< "$(run_op "$op" "$MNT")"; unmount
    RES[tmpfs_$op]+="$tm "; RES[cold_$op]+="$c "; RES[warm_$op]+="$w "; RES[poll_$op]+="$np "
    RES[tmpfs_cpu_$op]+="$tmc "; RES[cold_cpu_$op]+="$cc "; RES[rf_$op]+="$(ratio "$cc" "$tm") "
    RES[rc_$op]+="$(ratio "$c" "$tm") "; RES[rw_$op]+="$(ratio "$w" "$tm") "; RES[rp_$op]+="$(ratio "$np" "$tm") "
  done
done

# A paired ratio's median and range, as "2.9x (2.6-3.2)".
# An optional second argument is the printf format of the three numbers.
spread() { local v; v=$(printf '%s\n' $1 | sort -g); printf "${2:-%.1fx (%.1f-%.1f)}" "$(med $1)" "$(head -1 <<< "$v")" "$(tail -1 <<< "$v")"; }
printf '\nmedians of %s rounds\n%-24s %8s %8s %8s %17s %17s %8s %17s\n' "$ROUNDS" operation tmpfs "cold" "warm" \
  "cold/tmpfs" "warm/tmpfs" "poll 5ms" "poll/tmpfs"
for op in "${ops[@]}"; do
  label=$(label_of "$op")
  printf '%-24s %7ss %7ss %7ss %17s %17s %7ss %17s\n' "$label" "$(med ${RES[tmpfs_$op]})" "$(med ${RES[cold_$op]})" \
    "$(med ${RES[warm_$op]})" "$(spread "${RES[rc_$op]}")" "$(spread "${RES[rw_$op]}")" "$(med ${RES[poll_$op]})" \
    "$(spread "${RES[rp_$op]}")"
done
echo "(content read: $BYTES bytes; ratios are time on the mount over time on tmpfs in the same round: lower is"
echo " better; \"cold\" is a fresh mount, \"warm\" a second pass on it, \"poll\" a fresh mount with --busy-poll 5)"

# Where a cold walk's time goes: the walker's own CPU, which on a FUSE mount is mostly the
# kernel making an inode and a dentry for each entry in the walker's context (no server can
# avoid it), and the rest, waiting for replies. The walker's CPU alone over tmpfs's whole time
# is the floor of the cold ratio on this machine, whatever the server does.
printf '\ncold walks, where the time goes (medians)\n%-24s %8s %12s %8s %12s %10s %17s\n' operation tmpfs "tmpfs cpu" \
  "cold" "walker cpu" "waiting" "floor"
for op in "${ops[@]}"; do
  label=$(label_of "$op")
  c=$(med ${RES[cold_$op]}); cc=$(med ${RES[cold_cpu_$op]})
  printf '%-24s %7ss %11ss %7ss %11ss %9ss %17s\n' "$label" "$(med ${RES[tmpfs_$op]})" "$(med ${RES[tmpfs_cpu_$op]})" \
    "$c" "$cc" "$(echo "w = $c - $cc; if (w < 0) w = 0; w" | bc -l | xargs printf '%.3f')" "$(spread "${RES[rf_$op]}")"
done
echo "(walker cpu: user + system time of the walk and its children on the cold mount; floor: that CPU over the"
echo " tmpfs walk's elapsed time in the same round, the ratio the cold walk would have if no reply kept it waiting)"

# Single-stream sequential read of one large, non-sparse file.
mount_at "$MNT" --files 20000
BIG=$(find "$MNT" -type f -printf '%s\t%b\t%p\n' | awk -F'\t' '$2 * 512 >= $1 && $1 > 268435456 {print $1 "\t" $3}' | sort -n | tail -1 | cut -f2-)
if [ -n "$BIG" ]; then
  SIZE=$(stat -c %s "$BIG")
  # The first 8 GiB, then the whole file: on the 2-core VM a whole-file read slows after about
  # 10 GB wherever it starts in the file, as writing that much into tmpfs does (see
  # docs/performance.md).
  HEAD=$(( SIZE < 8589934592 ? SIZE : 8589934592 ))
  AVAIL=$(awk '/MemAvailable/ {printf "%.1f GB", $2 / 1e6}' /proc/meminfo)
  gbs() { echo "$1 / $2 / 1000000000" | bc -l | xargs printf '%.2f'; }
  # Every byte a cold read returns lands in a page-cache page touched for the first time; the
  # kernel's own cheapest way to fill such pages, zeros written into a new tmpfs file, is the
  # machine's ceiling for any filesystem that fills the page cache (on a VM, first touches
  # can cost the host's page faults).
  fill() { rm -f "$TMPFS/fill"; secs dd if=/dev/zero of="$TMPFS/fill" bs=1M count=1024; }
  R1=(); R8=(); RF=(); RR=()
  for _ in $(seq "$ROUNDS"); do
    drop; f=$(fill); rm -f "$TMPFS/fill"; RF+=("$(gbs 1073741824 "$f")")
    drop; r=$(secs dd if="$BIG" of=/dev/null bs=1M count=1024); R1+=("$(gbs 1073741824 "$r")")
    RR+=("$(ratio "$f" "$r")")
    drop; R8+=("$(gbs "$HEAD" "$(secs dd if="$BIG" of=/dev/null bs=1M count=$(( HEAD / 1048576 )))")")
  done
  drop
  S=$(secs dd if="$BIG" of=/dev/null bs=1M)
  S2=$(secs dd if="$BIG" of=/dev/null bs=1M)
  printf '\nsequential read of one %s-byte file (dd bs=1M), cold, medians of %s rounds: first GiB %s GB/s (%s);\n' \
    "$SIZE" "$ROUNDS" "$(med "${R1[@]}")" "${R1[*]}"
  printf 'first %s bytes %s GB/s (%s); whole file once: cold %s GB/s, warm %s GB/s\n' "$HEAD" "$(med "${R8[@]}")" \
    "${R8[*]}" "$(gbs "$SIZE" "$S")" "$(gbs "$SIZE" "$S2")"
  printf 'page-cache fill ceiling (1 GiB of zeros into a new tmpfs file), same rounds: %s GB/s (%s);\n' \
    "$(med "${RF[@]}")" "${RF[*]}"
  printf 'the first GiB through the mount as a share of that ceiling, paired by round: %s\n' \
    "$(spread "${RR[*]}" '%.2f (%.2f-%.2f)')"
  echo "(memory available before the reads: $AVAIL)"
fi
unmount
