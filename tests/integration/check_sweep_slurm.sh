#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine (Debian's slurm-wlm and munge; no systemd, no cgroups; its own
# munge socket, ports, state and logs under WORKDIR): `npuemu sweep --slurm` writes an sbatch array script, sbatch
# submits it, the array tasks run the shards, `npuemu sweep merge` combines them, and the merged results.csv must
# equal a local run's. Every wait is bounded; the daemons started here are stopped on exit.
#   check_sweep_slurm.sh WORKDIR NPUEMU SPEC
set -euo pipefail
work="$(mkdir -p "$1" && cd "$1" && pwd)"; npuemu="$2"; spec="$3"
rm -rf "$work"/*; mkdir -p "$work/state" "$work/spool" "$work/munge"
fail() { echo "FAIL: $*"; tail -n 20 "$work"/*.log 2>/dev/null || true; exit 1; }
for tool in munged slurmctld slurmd sbatch squeue sinfo; do command -v $tool > /dev/null || fail "$tool is not installed"; done

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done; wait 2> /dev/null || true; }
trap cleanup EXIT

# Ports that nothing listens on (derived from the PID, checked with bash's /dev/tcp).
free_port() { local p; for p in $(seq $((20000 + $$ % 20000)) 65000); do ! (echo > /dev/tcp/127.0.0.1/$p) 2> /dev/null && { echo $p; return; }; done; }
ctl_port=$(free_port); d_port=$((ctl_port + 1))

dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 2> /dev/null
chmod 600 "$work/munge/munge.key"
munged --force --socket="$work/munge/socket" --key-file="$work/munge/munge.key" --pid-file="$work/munge/pid" \
  --log-file="$work/munge.log" --seed-file="$work/munge/seed" --foreground 2> "$work/munged.out" &
pids+=($!)

cat > "$work/slurm.conf" <<CONF
ClusterName=npuemutest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
sleep 1
slurmctld -D -i > "$work/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost > "$work/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do sinfo -h -o %T 2> /dev/null | grep -qE '^idle' && break; sleep 1; done
sinfo -h -o %T | grep -qE '^idle' || fail "the Slurm node did not come up"

# The sweep: locally for the reference, then as a Slurm array of 2 shards.
"$npuemu" sweep "$spec" --out "$work/local" --jobs 2 > /dev/null 2>&1 || fail "local sweep"
"$npuemu" sweep "$spec" --out "$work/cluster" --slurm --partition debug --time 00:05:00 --cpus-per-task 1 \
  --shards 2 > /dev/null 2>&1 || fail "--slurm"
job=$(sbatch --parsable "$work/cluster/sweep.sbatch") || fail "sbatch"
for _ in $(seq 180); do [ -z "$(squeue -h -j "$job" 2> /dev/null)" ] && break; sleep 1; done
[ -z "$(squeue -h -j "$job" 2> /dev/null)" ] || fail "the job array did not finish in 180 s"
"$npuemu" sweep merge "$work/cluster" > /dev/null 2>&1 || fail "merge: $(cat "$work"/cluster/slurm/*.out 2>/dev/null | tail -5)"
cmp "$work/local/results.csv" "$work/cluster/results.csv" || fail "the Slurm results differ from the local run"
echo "ok: Slurm job $job ran $(ls "$work/cluster/slurm" | wc -l) array tasks; merged results.csv equals the local run ($(($(wc -l < "$work/local/results.csv") - 1)) points)"
