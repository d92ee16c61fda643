#!/usr/bin/env bash
# synthfs materialize smb:// against Samba's own clients, side by side in one run, onto a
# throwaway smbd on 127.0.0.1:445 (smbcacls speaks only to 445) sharing a tmpfs (so the
# server's disk flush is not what is measured; acl_xattr, streams_xattr, DOS attributes
# stored, an `admin users` account). The tree: N files of 4 KiB (benches/small4k.toml, 25 a
# folder) with NT ACLs. Each round:
#   synthfs      materialize smb://... --nt-acls: data, owner, group, DACL, attributes and the
#                three times of every file and folder (its default connections)
#   mput         smbclient -c 'prompt; recurse; mput *' of a local copy: the data only
#   full         what the same metadata costs with Samba's clients: one smbclient session that
#                puts each file, sets its attributes and its times (setmode, utimes), then
#                smbcacls --set of its descriptor, a process per file; on the first FULL files
#                only (it is slow), as files/s
# The medians of the rounds are printed as files/s with synthfs's ratio over each.
# Usage: [RUNS=3] [FULL=300] benches/materialize_smb.sh [N]   (default N=10000; root; port 445 free)
. "$(dirname "$0")/common.sh"
RUNS=${RUNS:-3}
FULL=${FULL:-300}
N=${1:-10000}
PW=Bench-pw-2026
scratch materialize-smb
tmpfs_at "$WORK/share" 2g
mkdir -p "$WORK"/{private,lock,state,cache,pid,ncalrpc,src}
chmod 777 "$WORK/share"
echo "root = bench" > "$WORK/users.map"
cat > "$WORK/smb.conf" <<EOF
[global]
  server role = standalone server
  smb ports = 445
  interfaces = 127.0.0.1
  bind interfaces only = yes
  disable netbios = yes
  private dir = $WORK/private
  lock directory = $WORK/lock
  state directory = $WORK/state
  cache directory = $WORK/cache
  pid directory = $WORK/pid
  ncalrpc dir = $WORK/ncalrpc
  passdb backend = tdbsam:$WORK/private/passdb.tdb
  log file = $WORK/smbd.log
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  map to guest = Never
  username map = $WORK/users.map
[share]
  path = $WORK/share
  read only = no
  vfs objects = acl_xattr streams_xattr
  acl_xattr:ignore system acls = yes
  store dos attributes = yes
  map archive = no
  map hidden = no
  map system = no
  map readonly = no
  admin users = root
EOF
printf '%s\n%s\n' "$PW" "$PW" | smbpasswd -c "$WORK/smb.conf" -s -a root > /dev/null
/usr/sbin/smbd --foreground --no-process-group --configfile "$WORK/smb.conf" < /dev/null > /dev/null 2>&1 &
SMBD=$!
CLEAN_ALSO=()
# smbd and the processes it forked (one a connection), then what common.sh cleans.
trap 'pkill -KILL -P "$SMBD" 2> /dev/null || true; kill -KILL "$SMBD" 2> /dev/null || true; sleep 0.2; cleanup' EXIT
until (echo > /dev/tcp/127.0.0.1/445) 2> /dev/null; do sleep 0.05; done
export SYNTHFS_SMB_PASSWORD=$PW
tree=(--profile "$BENCHES/small4k.toml" --files "$N" --dirs $((N / 25)) --nt-acls)
"$BIN" materialize "$WORK/src/tree" "${tree[@]}" > /dev/null
rm -f "$WORK/src/tree/.synthfs.json"
echo "synthfs: $BIN ($("$BIN" --version)); $(smbd --version); $N files of 4 KiB; $RUNS rounds; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# The full-metadata baseline's commands for the first FULL files: smbclient's script and the
# smbcacls calls, from the local copy (its user.synthfs.sddl holds each file's descriptor).
python3 - "$WORK/src/tree" "$FULL" "$WORK/full.smbclient" "$WORK/full.acls" <<'PY'
import os, sys, datetime
root, full, script, acls = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
files = []
for d, subdirs, names in os.walk(root):
    subdirs.sort()
    for n in sorted(names):
        files.append(os.path.join(d, n))
files = files[:full]
def t(ns):
    return datetime.datetime.fromtimestamp(ns / 1e9, datetime.timezone.utc).strftime("%y:%m:%d-%H:%M:%S")
made = set()
with open(script, "w") as s, open(acls, "w") as a:
    for f in files:
        rel = os.path.relpath(f, root)
        parts = rel.split("/")
        for k in range(1, len(parts)):
            d = "full\\" + "\\".join(parts[:k])
            if d not in made:
                s.write(f'mkdir "{d}"\n')
                made.add(d)
        remote = "full\\" + rel.replace("/", "\\")
        st = os.stat(f)
        s.write(f'put "{f}" "{remote}"\n')
        s.write(f'setmode "{remote}" +a\n')
        s.write(f'utimes "{remote}" {t(st.st_mtime_ns)} {t(st.st_atime_ns)} {t(st.st_mtime_ns)} -1\n')
        sddl = os.getxattr(f, "user.synthfs.sddl").decode()
        a.write(f"{remote}\t{sddl}\n")
PY
smb() { smbclient //127.0.0.1/share -U "root%$PW" "$@" 2> /dev/null; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }
# rate N T0: N over the seconds since T0
rate() { awk -v n="$1" -v t0="$2" -v t1="$(now)" 'BEGIN { printf "%.1f", n / (t1 - t0) }'; }
declare -A R=([synthfs]="" [mput]="" [full]="")
for ((r = 1; r <= RUNS; r++)); do
  rm -rf "${WORK:?}"/share/*
  t0=$(now)
  "$BIN" materialize "smb://root@127.0.0.1/share/s" "${tree[@]}" > /dev/null
  R[synthfs]+="$(rate "$N" "$t0") "
  rm -rf "${WORK:?}"/share/*
  t0=$(now)
  smb -c "mkdir m; cd m; lcd $WORK/src/tree; prompt; recurse; mput *" > /dev/null
  R[mput]+="$(rate "$N" "$t0") "
  rm -rf "${WORK:?}"/share/*
  smb -c "mkdir full" > /dev/null
  t0=$(now)
  smb < "$WORK/full.smbclient" > /dev/null
  while IFS=$'\t' read -r path sddl; do
    smbcacls //127.0.0.1/share "$path" --sddl --set "$sddl" -U "root%$PW" > /dev/null 2>&1
  done < "$WORK/full.acls"
  R[full]+="$(rate "$(wc -l < "$WORK/full.acls")" "$t0") "
done
med() { tr ' ' '\n' <<< "${R[$1]}" | grep . | median; }
s=$(med synthfs)
printf '%-10s %10s files/s  (full metadata)\n' synthfs "$(printf %.0f "$s")"
for m in mput full; do
  v=$(med "$m")
  printf '%-10s %10s files/s  synthfs %.1fx\n' "$m" "$(printf %.0f "$v")" "$(awk -v s="$s" -v v="$v" 'BEGIN { print s / v }')"
done
echo "rounds (files/s): synthfs ${R[synthfs]}| mput ${R[mput]}| full ${R[full]}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
