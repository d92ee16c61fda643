#!/usr/bin/env bash
# synthfs materialize onto tmpfs against the fastest ways of putting as many small files there,
# side by side in one run: files of 4 KiB (benches/small4k.toml, 25 files a folder), 20,000
# and 200,000 of them. Each count is written by
#   synthfs        materialize with everything: owners, times, modes, xattrs
#   synthfs lean   materialize --no-owners --no-xattrs (bytes, modes, times)
#   ftzz           ftzz with the same count and bytes, exactly, 25 files a folder
#   tar -x         GNU tar extracting a tar of synthfs's tree held on another tmpfs (owners,
#                  modes, times; no xattrs)
# and, with BEFORE=path (another synthfs binary, say the build before a change), by that
# binary both ways too ("before", "before lean"),
# in rounds (each method once per round, so a busy spell hits all of them), and the median of
# each is printed with the peers' ratios: a peer's median over synthfs's and over synthfs
# lean's, above 1 meaning synthfs is faster. No `sync`: nothing of tmpfs goes to a disk.
# The load average is printed before and after: compare within a run, on an idle machine.
# Usage: [RUNS=5] [FTZZ=path] [BEFORE=path] benches/materialize_tmpfs.sh [COUNTS...]   (default 20000 200000;
# needs root for tmpfs; without ftzz on PATH or in FTZZ its column is skipped)
. "$(dirname "$0")/common.sh"
RUNS=${RUNS:-5}
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(20000 200000)
FTZZ=${FTZZ:-$(command -v ftzz || true)}
BEFORE=${BEFORE:+$(realpath "$BEFORE")}
scratch mtbench
SRC=$WORK/src
DEST=$WORK/dest
tmpfs_at "$SRC" 4g
tmpfs_at "$DEST" 4g
PROFILE=$BENCHES/small4k.toml
if [ -n "$FTZZ" ]; then
  echo "ftzz: $("$FTZZ" --version)"
else
  echo "ftzz: not found (install with \`cargo install ftzz\`, or set FTZZ=path); its column is skipped"
fi
echo "tar: $(tar --version | head -1); synthfs: $BIN ($("$BIN" --version))${BEFORE:+; before: $BEFORE ($("$BEFORE" --version))}"
echo "$RUNS rounds; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# median of the numbers on stdin
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fresh() { rm -rf "${DEST:?}"/t; }

for n in "${COUNTS[@]}"; do
  dirs=$((n / 25))
  tree=(--profile "$PROFILE" --files "$n" --dirs "$dirs")
  rm -rf "${SRC:?}"/*
  "$BIN" materialize "$SRC/tree" "${tree[@]}" > /dev/null
  rm -f "$SRC/tree/.synthfs.json"
  tar -cf "$SRC/tree.tar" -C "$SRC/tree" .
  bytes=$(du -s --apparent-size --block-size=1 "$SRC/tree" | cut -f1)
  data=$((n * 4096))
  rm -rf "${SRC:?}/tree"
  methods=(synthfs lean tar)
  [ -n "$FTZZ" ] && methods=(synthfs lean ftzz tar)
  [ -n "$BEFORE" ] && methods+=(before before-lean)
  declare -A T=()
  for m in "${methods[@]}"; do T[$m]=""; done
  for ((r = 1; r <= RUNS; r++)); do
    for m in "${methods[@]}"; do
      fresh
      case $m in
        synthfs) s=$(secs "$BIN" materialize "$DEST/t" "${tree[@]}") ;;
        lean) s=$(secs "$BIN" materialize "$DEST/t" "${tree[@]}" --no-owners --no-xattrs) ;;
        before) s=$(secs "$BEFORE" materialize "$DEST/t" "${tree[@]}") ;;
        before-lean) s=$(secs "$BEFORE" materialize "$DEST/t" "${tree[@]}" --no-owners --no-xattrs) ;;
        ftzz) s=$(secs "$FTZZ" --files "$n" --total-bytes "$data" --exact --ftd-ratio 25 "$DEST/t") ;;
        tar) mkdir -p "$DEST/t" && s=$(secs tar -xf "$SRC/tree.tar" -C "$DEST/t") ;;
      esac
      T[$m]+="$s "
    done
  done
  fresh
  echo
  echo "== $n files of 4 KiB in $dirs folders ($bytes bytes; ftzz: $data bytes of data)"
  printf '%-46s %9s %12s %11s %11s\n' method "median s" files/s "/ synthfs" "/ lean"
  declare -A M=()
  for m in "${methods[@]}"; do M[$m]=$(echo "${T[$m]}" | tr ' ' '\n' | grep . | median); done
  for m in "${methods[@]}"; do
    case $m in
      synthfs) label="synthfs materialize" ;;
      lean) label="synthfs materialize --no-owners --no-xattrs" ;;
      ftzz) label="ftzz (same count and bytes)" ;;
      tar) label="tar -x (same tree)" ;;
      before) label="before: materialize" ;;
      before-lean) label="before: materialize --no-owners --no-xattrs" ;;
    esac
    printf '%-46s %9.3f %12.0f %10.2fx %10.2fx   runs: %s\n' "$label" "${M[$m]}" "$(echo "$n / ${M[$m]}" | bc -l)" \
      "$(echo "${M[$m]} / ${M[synthfs]}" | bc -l)" "$(echo "${M[$m]} / ${M[lean]}" | bc -l)" "${T[$m]}"
  done
  unset T M
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
