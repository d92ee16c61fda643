#!/usr/bin/env bash
# synthfs archive against the usual ways of making an archive of a tree, side by side in one run:
# `zip -r -0`, `zip -r`, `tar -cf`, `tar -czf`, `tar | pigz`, tar with `zstd -T0` and Python's
# zipfile (stored and deflated) reading the same tree materialized on tmpfs, all writing onto
# tmpfs. Every file is 4 KiB (benches/small4k.toml). synthfs runs twice per mode: "lean"
# (--load-file none --manifest none --meta none: the peers' work) and "full" (the Concordance DAT
# with --hash-columns md5,sha1, the SHA-256 manifest and OUT.meta: MD5, SHA-1 and SHA-256 of every
# file, SHA-256 and MD5 of the archive). Prints seconds, files/s and ratios (peer time / synthfs
# lean time: above 1 means synthfs is faster).
# Usage: benches/archive.sh [FILES]   (default 100000; needs root for tmpfs)
. "$(dirname "$0")/common.sh"
FILES=${1:-100000}
scratch abench
SRC=$WORK/src
OUT=$WORK/out
tmpfs_at "$SRC" 6g
tmpfs_at "$OUT" 6g
TREE=(--profile "$BENCHES/small4k.toml" --files "$FILES" --dirs $((FILES / 25)))
"$BIN" materialize "$SRC/tree" "${TREE[@]}" > /dev/null 2>&1 || { mkdir -p "$SRC/tree"; "$BIN" materialize "$SRC/tree" "${TREE[@]}" > /dev/null; }
rm -f "$SRC/tree/.synthfs.json"
echo "$FILES files of 4 KiB in $((FILES / 25)) folders; source and output on tmpfs; $(nproc) cores"

fresh() { rm -rf "${OUT:?}"/*; }

PYZIP='
import os, sys, zipfile
src, out, method = sys.argv[1], sys.argv[2], (zipfile.ZIP_DEFLATED if sys.argv[3] == "deflate" else zipfile.ZIP_STORED)
with zipfile.ZipFile(out, "w", method) as z:
    for root, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            z.write(p, os.path.relpath(p, src))
'

declare -A T=()
median3() { # label command...: the median of three runs
  local label=$1; shift
  local a b c
  fresh; a=$(secs "$@"); fresh; b=$(secs "$@"); fresh; c=$(secs "$@"); fresh
  T[$label]=$(printf '%s\n' "$a" "$b" "$c" | sort -g | sed -n 2p)
}
LEAN=(--load-file none --manifest none --meta none --force)
median3 "synthfs zip store (lean)" "$BIN" archive "$OUT/a.zip" "${TREE[@]}" "${LEAN[@]}"
median3 "synthfs zip store (full)" "$BIN" archive "$OUT/a.zip" "${TREE[@]}" --hash-columns md5,sha1 --force
median3 "synthfs zip deflate (lean)" "$BIN" archive "$OUT/a.zip" "${TREE[@]}" --compression deflate "${LEAN[@]}"
median3 "synthfs tar (lean)" "$BIN" archive "$OUT/a.tar" "${TREE[@]}" "${LEAN[@]}"
median3 "synthfs tar (full)" "$BIN" archive "$OUT/a.tar" "${TREE[@]}" --hash-columns md5,sha1 --force
median3 "synthfs tar.gz (lean)" "$BIN" archive "$OUT/a.tar.gz" "${TREE[@]}" "${LEAN[@]}"
median3 "synthfs tar.zst (lean)" "$BIN" archive "$OUT/a.tar.zst" "${TREE[@]}" "${LEAN[@]}"
median3 "tar -czf" tar -czf "$OUT/p.tar.gz" -C "$SRC/tree" .
median3 "tar -I 'zstd -T0 -6'" tar -I "zstd -T0 -6" -cf "$OUT/p.tar.zst" -C "$SRC/tree" .
if command -v pigz >/dev/null; then
  median3 "tar | pigz" sh -c "tar -cf - -C '$SRC/tree' . | pigz > '$OUT/p.tar.gz'"
fi
median3 "zip -r -0" sh -c "cd '$SRC/tree' && zip -r -0 -q '$OUT/p.zip' ."
median3 "zip -r" sh -c "cd '$SRC/tree' && zip -r -q '$OUT/p.zip' ."
median3 "tar -cf" tar -cf "$OUT/p.tar" -C "$SRC/tree" .
median3 "python zipfile stored" python3 -c "$PYZIP" "$SRC/tree" "$OUT/p.zip" store
median3 "python zipfile deflated" python3 -c "$PYZIP" "$SRC/tree" "$OUT/p.zip" deflate

row() { # label baseline-label
  printf '%-30s %9.2f %12.0f %10.2f\n' "$1" "${T[$1]}" "$(echo "$FILES / ${T[$1]}" | bc -l)" "$(echo "${T[$1]} / ${T[$2]}" | bc -l)"
}
echo
printf '%-30s %9s %12s %10s\n' method seconds files/s "vs synthfs"
echo "-- stored ZIP (ratio: time / synthfs zip store lean)"
for m in "synthfs zip store (lean)" "synthfs zip store (full)" "zip -r -0" "python zipfile stored"; do row "$m" "synthfs zip store (lean)"; done
echo "-- deflated ZIP (ratio: time / synthfs zip deflate lean)"
for m in "synthfs zip deflate (lean)" "zip -r" "python zipfile deflated"; do row "$m" "synthfs zip deflate (lean)"; done
echo "-- tar (ratio: time / synthfs tar lean)"
for m in "synthfs tar (lean)" "synthfs tar (full)" "tar -cf"; do row "$m" "synthfs tar (lean)"; done
echo "-- tar.gz (ratio: time / synthfs tar.gz lean; level 6 everywhere)"
for m in "synthfs tar.gz (lean)" "tar -czf" "tar | pigz"; do [ -n "${T[$m]:-}" ] && row "$m" "synthfs tar.gz (lean)"; done
echo "-- tar.zst (ratio: time / synthfs tar.zst lean; level 6, all cores)"
for m in "synthfs tar.zst (lean)" "tar -I 'zstd -T0 -6'"; do row "$m" "synthfs tar.zst (lean)"; done
