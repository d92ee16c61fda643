#!/usr/bin/env bash
# Mount start: from the process's start to the mount being ready (its root stats as a mount
# point, what `mountpoint` checks) and to the first listing of its root returning (`ls`),
# for 10^5, 10^7 and 10^9 files of the default profile. Sizes take turns within each round,
# so a busy moment weighs on all of them; prints the median, min and max over the rounds.
# For reference, the same two times for ntfs-3g on a 16 MB image (another FUSE filesystem,
# one that reads its volume before it serves), where mkntfs and ntfs-3g are installed.
# SYNTHFS_BEFORE=PATH also times that binary (say, the build before a change) in the same
# rounds, its cases taking turns with this build's.
# Usage: [RUNS=20] [SYNTHFS_BEFORE=PATH] benches/mount_start.sh [FILES...]
#   (default 100000 10000000 1000000000). Needs root.
. "$(dirname "$0")/common.sh"
RUNS=${RUNS:-20}
[ $# -gt 0 ] || set -- 100000 10000000 1000000000
scratch start
if command -v mkntfs > /dev/null && command -v ntfs-3g > /dev/null; then
  truncate -s 16M "$WORK/ntfs.img"
  mkntfs -F -f -q "$WORK/ntfs.img" > /dev/null 2>&1 || rm -f "$WORK/ntfs.img"
fi
BEFORE=${SYNTHFS_BEFORE:+$(realpath "$SYNTHFS_BEFORE")}
echo "mount start, $RUNS rounds, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); $BIN${BEFORE:+, before: $BEFORE}"
python3 - "$BIN" "$WORK" "$RUNS" "$BEFORE" "$@" <<'PY'
import os, signal, statistics, subprocess, sys, time
binary, work, runs, before, sizes = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
mnt = os.path.join(work, "mnt")
os.makedirs(mnt, exist_ok=True)
outside = os.stat(work).st_dev
image = os.path.join(work, "ntfs.img")

def mounted():
    return os.stat(mnt).st_dev != outside

def start(cmd, stop):
    """Milliseconds from the process's start to the mount being ready, and to its root's
    first listing returning; then stops the mount and waits until it has gone."""
    t0 = time.perf_counter_ns()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    while not mounted():
        if p.poll() not in (None, 0):
            sys.exit(f"{' '.join(cmd)} ended with {p.returncode} before mounting")
        time.sleep(0.0001)
    ready = time.perf_counter_ns()
    os.listdir(mnt)
    listed = time.perf_counter_ns()
    stop(p)
    while mounted():
        time.sleep(0.001)
    return (ready - t0) / 1e6, (listed - t0) / 1e6

def stop_synthfs(p):
    p.send_signal(signal.SIGTERM)
    p.wait()

def stop_ntfs(p):
    p.wait()  # the command returns once its daemon serves
    subprocess.run(["umount", mnt], check=True)

builds = [("before, ", before), ("", binary)] if before else [("", binary)]
cases = [
    (f"{tag}synthfs, {int(n):,} files", [b, "mount", mnt, "--files", n], stop_synthfs)
    for n in sizes
    for tag, b in builds
]
if os.path.exists(image):
    cases.append(("ntfs-3g, 16 MB image", ["ntfs-3g", image, mnt], stop_ntfs))
times = {label: [] for label, _, _ in cases}
for _ in range(runs):
    for label, cmd, stop in cases:
        times[label].append(start(cmd, stop))

def show(xs):
    return f"{statistics.median(xs):7.1f} ms ({min(xs):.1f}-{max(xs):.1f})"

print(f"{'':36} {'start to ready':>26}   {'start to first ls':>26}")
for label, _, _ in cases:
    ready = [r for r, _ in times[label]]
    listed = [l for _, l in times[label]]
    print(f"{label:36} {show(ready):>26}   {show(listed):>26}")
PY
