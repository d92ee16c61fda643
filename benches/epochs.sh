#!/usr/bin/env bash
# Epochs (#36), in one run, medians of RUNS rounds:
#   stats of FILES files at epoch 0 and at epoch 1000 (the goal: at most 1.2x)
#   diff of FILES files between two adjacent epochs (999 -> 1000; the goal: under 3 s)
#   materialize of MAT files (benches/small4k.toml) onto tmpfs, whole, against moving that
#   copy on by one epoch of the default churn (the goal: under a twentieth), and, on the same
#   tmpfs, rsync --checksum of a fresh copy of the later epoch onto the earlier one, the peer a
#   user would reach for to bring a copy up to date.
# Usage: [RUNS=3] [FILES=1M] [MAT=100k] benches/epochs.sh   (root, for tmpfs)
. "$(dirname "$0")/common.sh"
RUNS=${RUNS:-3}
FILES=${FILES:-1M}
MAT=${MAT:-100k}
scratch epochs
tmpfs_at "$WORK/t" 6g
PROFILE=$BENCHES/small4k.toml
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "synthfs: $BIN ($("$BIN" --version)); $RUNS rounds; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A T
for r in $(seq "$RUNS"); do
  T[s0]+="$(secs "$BIN" stats --files "$FILES" --json) "
  T[s1000]+="$(secs "$BIN" stats --files "$FILES" --epoch 1000 --json) "
  T[diff]+="$(secs "$BIN" diff --files "$FILES" --from 999 --to 1000 -o "$WORK/d.jsonl") "
  rm -rf "$WORK/t/a" "$WORK/t/b"
  T[full]+="$(secs "$BIN" materialize "$WORK/t/a" -p "$PROFILE" --files "$MAT") "
  T[move]+="$(secs "$BIN" materialize "$WORK/t/a" -p "$PROFILE" --files "$MAT" --epoch 1) "
  rm -rf "$WORK/t/a"
  "$BIN" materialize "$WORK/t/a" -p "$PROFILE" --files "$MAT" > /dev/null 2>&1
  "$BIN" materialize "$WORK/t/b" -p "$PROFILE" --files "$MAT" --epoch 1 > /dev/null 2>&1
  T[rsync]+="$(secs rsync -a --checksum --delete --exclude=/.synthfs.json "$WORK/t/b/" "$WORK/t/a/") "
done
m() { echo "${T[$1]}" | tr ' ' '\n' | grep . | median; }
changes=$("$BIN" diff -p "$PROFILE" --files "$MAT" --from 0 --to 1 --summary)
printf '%-44s %8s s\n' "stats $FILES, epoch 0" "$(m s0)" "stats $FILES, epoch 1000" "$(m s1000)" \
  "diff $FILES, epoch 999 -> 1000" "$(m diff)" "materialize $MAT onto tmpfs" "$(m full)" \
  "move that copy on by one epoch" "$(m move)" "rsync --checksum of a fresh epoch-1 copy onto it" "$(m rsync)"
echo "one epoch of $MAT: $changes"
echo "epoch 1000 / epoch 0: $(echo "$(m s1000) / $(m s0)" | bc -l | xargs printf '%.2f')x;" \
  "move / full materialize: $(echo "$(m move) / $(m full)" | bc -l | xargs printf '%.3f');" \
  "rsync / move: $(echo "$(m rsync) / $(m move)" | bc -l | xargs printf '%.1f')x"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
