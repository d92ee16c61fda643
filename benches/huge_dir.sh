#!/usr/bin/env bash
# Lookups in a folder of a million files against lookups in a small folder, on one torture
# mount: the kernel's dentries are dropped before every round, so each stat is a FUSE lookup.
# Prints the one-time cost of the huge folder's listing, then the median time per lookup in
# each folder and their ratio.
# Usage: benches/huge_dir.sh [FILES] [ROUNDS]   (default 1000000 files, 9 rounds). Needs root.
. "$(dirname "$0")/common.sh"
FILES=${1:-1000000}
ROUNDS=${2:-9}
scratch hbench
MNT=$WORK/mnt
mount_at "$MNT" --profile torture --files "$FILES"
sleep 2
python3 - "$MNT" "$ROUNDS" <<'PY'
import os, random, statistics, sys, time
root, rounds = sys.argv[1], int(sys.argv[2])
def drop():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("2")
t = time.perf_counter()
os.stat(os.path.join(root, "huge", "file-0000000.txt"))
print(f"first lookup in huge/ (builds its listing of {len(os.listdir(os.path.join(root, 'huge'))):,} names): {time.perf_counter() - t:.2f} s")
small = [os.path.join(root, "names", n) for n in os.listdir(os.path.join(root, "names"))]
small = [p for p in small if os.path.isfile(p)]
count = len(os.listdir(os.path.join(root, "huge")))
rng = random.Random(1)
per = {"huge": [], "small": []}
for _ in range(rounds):
    for kind in ("small", "huge"):
        paths = small if kind == "small" else [os.path.join(root, "huge", "file-%07d.txt" % rng.randrange(count)) for _ in small]
        drop()
        os.stat(os.path.dirname(paths[0]))
        t = time.perf_counter()
        for p in paths:
            os.lstat(p)
        per[kind].append((time.perf_counter() - t) / len(paths) * 1e6)
h, s = statistics.median(per["huge"]), statistics.median(per["small"])
print(f"lookup (median of {rounds} rounds of {len(small)}): huge/ {h:.1f} us, names/ ({len(small)} files) {s:.1f} us, ratio {h / s:.2f}x")
PY
