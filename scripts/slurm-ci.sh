#!/usr/bin/env bash
# A real Slurm cluster for CI: installs Slurm and munge from Debian's packages (if missing),
# starts a single-node cluster (munged, slurmctld, slurmd) on loopback in a temporary folder,
# then
#   1. submits the job array + dependent merge that `factpress slurm` writes (SBATCH_WAIT=1),
#      checks the merged corpus (`verify`) and that its content_sha256 and data files equal a
#      single-process `generate --shards N` of the same spec and seed;
#   2. submits an audit job array (`audit --shard-index auto`) with `sbatch --wait`, merges the
#      partial reports (`audit merge`) and checks the result is byte-identical to a
#      single-process `audit --report`;
# and shuts the cluster down (also on failure). Prints the time each step took.
#
# Usage: bash scripts/slurm-ci.sh [FACTPRESS-BINARY]   (default: target/release/factpress)
# Needs root (the daemons and jobs run as root) and no other Slurm on ports 6817/6818.
set -euo pipefail
cd "$(dirname "$0")/.."
factpress=$(realpath "${1:-target/release/factpress}")
spec=$(realpath corpora-specs/helpful-only.toml)
shards=${SLURM_CI_SHARDS:-4}
docs=${SLURM_CI_DOCS:-400}
seed=${SLURM_CI_SEED:-20261202}
t0=$SECONDS
step() { echo "== slurm-ci: $* (at $((SECONDS - t0)) s)"; }

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null \
  || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  step "installing slurmctld slurmd slurm-client munge (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
fi

work=$(mktemp -d /tmp/factpress-slurm-ci.XXXXXX)
chmod 755 "$work"
host=$(hostname -s)
munge_dir=$work/munge
mkdir -p "$munge_dir" "$work/spool" "$work/state" "$work/log" "$work/jobs"
chmod 711 "$munge_dir" # munged refuses a world-writable folder
socket=$munge_dir/munge.socket.2
export SLURM_CONF=$work/slurm.conf

shutdown() {
  local rc=$?
  step "shutting the cluster down"
  if [ -f "$SLURM_CONF" ]; then
    scontrol shutdown >/dev/null 2>&1 || true
    for _ in $(seq 1 50); do
      local alive=0
      for p in "$work/slurmctld.pid" "$work/slurmd.pid"; do
        if [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null; then alive=1; fi
      done
      [ "$alive" = 0 ] && break
      sleep 0.2
    done
  fi
  munged -s --socket="$socket" >/dev/null 2>&1 || true
  if [ "$rc" != 0 ]; then
    echo "slurm-ci: FAILED (exit $rc); logs:" >&2
    tail -n 30 "$work"/log/* "$work"/jobs/*/logs/* 2>/dev/null >&2 || true
  fi
  rm -rf "$work"
  echo "== slurm-ci: done in $((SECONDS - t0)) s"
  exit "$rc"
}
trap shutdown EXIT

step "starting munged, slurmctld, slurmd on $host (loopback)"
head -c 1024 /dev/urandom >"$munge_dir/munge.key"
chmod 400 "$munge_dir/munge.key"
munged --key-file="$munge_dir/munge.key" --socket="$socket" \
  --pid-file="$munge_dir/munged.pid" --log-file="$work/log/munged.log" \
  --seed-file="$munge_dir/munged.seed"
cat >"$SLURM_CONF" <<EOF
ClusterName=ci
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
SlurmUser=root
SlurmdUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ci Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -c -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for i in $(seq 1 100); do
  state=$(sinfo -h -N -o %T 2>/dev/null || true)
  [ "$state" = idle ] && break
  [ "$i" = 100 ] && { echo "slurm-ci: the node never became idle (sinfo: $state)" >&2; exit 1; }
  sleep 0.2
done

# --- 1. generate: a job array of shard jobs, then merge as a dependent job ---
jobs=$work/jobs/generate
mkdir -p "$jobs"
"$factpress" slurm "$spec" --seed "$seed" --docs "$docs" --array "$shards" \
  --corpus "$jobs/corpus" --parts "$jobs/parts" --out "$jobs/submit.sh"
step "submitting $shards shard jobs + merge ($docs docs per condition, seed $seed)"
s=$SECONDS
SBATCH_WAIT=1 bash "$jobs/submit.sh"
echo "slurm-ci: shard array + merge finished in $((SECONDS - s)) s"
"$factpress" verify "$jobs/corpus"
step "single-process reference: generate --shards $shards"
"$factpress" generate "$spec" --seed "$seed" --docs "$docs" --shards "$shards" --quiet \
  --out "$jobs/single"
digest() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["content_sha256"])' "$1"; }
merged=$(digest "$jobs/corpus/manifest.json")
single=$(digest "$jobs/single/manifest.json")
echo "slurm-ci: merged content_sha256 $merged"
echo "slurm-ci: single content_sha256 $single"
[ "$merged" = "$single" ] || { echo "slurm-ci: content_sha256 differs" >&2; exit 1; }
diff -r "$jobs/single/data" "$jobs/corpus/data"
echo "slurm-ci: generate array: content_sha256 and every data file match"

# --- 2. audit: a job array of audit parts, then audit merge ---
audit=$work/jobs/audit
mkdir -p "$audit/parts" "$audit/logs"
step "submitting 3 audit parts (sbatch --wait)"
s=$SECONDS
sbatch --wait --array=0-2 --job-name=audit-parts --output="$audit/logs/part-%a.out" \
  --wrap "'$factpress' audit '$jobs/corpus' --quiet --shard-index auto --report '$audit/parts/part-'\$SLURM_ARRAY_TASK_ID'.json' >/dev/null"
echo "slurm-ci: audit array finished in $((SECONDS - s)) s"
"$factpress" audit merge "$audit"/parts/part-*.json --report "$audit/merged.json" >/dev/null
"$factpress" audit "$jobs/corpus" --quiet --report "$audit/single.json" >/dev/null
cmp "$audit/single.json" "$audit/merged.json"
echo "slurm-ci: audit array: merged report is byte-identical to the single-process one ($(wc -c <"$audit/single.json") bytes)"
