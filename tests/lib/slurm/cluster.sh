# cluster.sh: a single-node Slurm cluster (munged, slurmctld, slurmd from
# Debian's munge and slurm-wlm) on loopback for the tests (sourced). Every
# file the daemons use is under one directory; slurm_up starts them in the
# foreground as children of the test, slurm_down stops them (call it from a
# trap: it is safe to call twice, or before slurm_up finished).
#
#   slurm_need         the programs, or a failure naming the missing package
#   slurm_up DIR       start; exports SLURM_CONF (the clients then use the
#                      cluster's munge socket through its AuthInfo)
#   slurm_wait_job JOBID SECONDS  wait until the job (every task of an
#                      array) has ended, or waits on a dependency that can
#                      never be met; prints 'JOBID_K STATE EXIT REASON' lines
#   slurm_logs         the daemons' logs, for a failure
#   slurm_down         cancel the jobs, shut the daemons down, kill munged
SLURM_DIR=""
SLURM_PIDS=""
MUNGED_PID=""

# slurm_fail MESSAGE: the cluster did not come up; a failure, never a skip
slurm_fail() {
  echo "FAIL: slurm: $*"
  slurm_logs
  exit 1
}

slurm_logs() {
  [ -n "$SLURM_DIR" ] || return 0
  for daemon in munged slurmctld slurmd; do
    # its log file, or what it wrote to stderr before it could open one
    f=$SLURM_DIR/$daemon.log
    [ -s "$f" ] || f=$SLURM_DIR/$daemon.out
    [ -s "$f" ] || continue
    echo "--- $f (last 40 lines)"
    tail -n 40 "$f"
  done
}

# two free TCP ports on loopback, picked by the kernel
slurm_free_ports() {
  python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))'
}

# slurm_wait_for SECONDS COMMAND...: poll every half second
slurm_wait_for() {
  n=$(( $1 * 2 )); shift
  while [ "$n" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5; n=$((n - 1))
  done
  return 1
}

# slurm_wait_up SECONDS PID NAME COMMAND...: poll COMMAND while the daemon
# PID runs; its exit is a failure at once, naming it
slurm_wait_up() {
  n=$(( $1 * 2 )); pid=$2; name=$3; shift 3
  while [ "$n" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || slurm_fail "$name exited at start (its log is below)"
    sleep 0.5; n=$((n - 1))
  done
  return 1
}

slurm_start_munged() {
  d=$SLURM_DIR/munge
  mkdir -p "$d" && chmod 755 "$d"
  { dd if=/dev/urandom of="$d/munge.key" bs=1024 count=1 2>/dev/null &&
    chmod 400 "$d/munge.key"; } || slurm_fail "cannot write the munge key"
  # --force: the test's temp dir is private (0700), which munged would refuse
  # for a socket that every user must reach; here only root uses it
  munged --foreground --force --socket="$d/munge.socket" --key-file="$d/munge.key" \
    --pid-file="$d/munged.pid" --log-file="$SLURM_DIR/munged.log" \
    --seed-file="$d/munged.seed" >"$SLURM_DIR/munged.out" 2>&1 &
  MUNGED_PID=$!
  slurm_wait_up 15 "$MUNGED_PID" munged \
    sh -c "munge -n -S '$d/munge.socket' | unmunge -S '$d/munge.socket'" ||
    slurm_fail "munged does not answer on '$d/munge.socket'"
}

slurm_write_conf() {
  ports=$(slurm_free_ports) || slurm_fail "cannot pick free ports"
  host=$(uname -n | cut -d. -f1)
  # the machine's CPUs as slurmd sees them (CPUs, sockets, cores, threads)
  hw=$(slurmd -C 2>/dev/null | head -n 1 | tr ' ' '\n' |
       grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
  case $hw in CPUs=*) ;; *) hw="CPUs=$(nproc)" ;; esac
  : >"$SLURM_DIR/plugstack.conf"
  sed -e "s|@DIR@|$SLURM_DIR|g" -e "s|@HOST@|$host|g" -e "s|@NODE_HW@|$hw|g" \
    -e "s|@CTLD_PORT@|${ports% *}|g" -e "s|@SLURMD_PORT@|${ports#* }|g" \
    "$CXR_SOURCE_DIR/tests/lib/slurm/slurm.conf.in" >"$SLURM_DIR/slurm.conf" ||
    slurm_fail "cannot write slurm.conf"
  SLURM_HOST=$host
}

slurm_node_idle() {
  scontrol show node "$SLURM_HOST" 2>/dev/null | grep -q 'State=IDLE'
}

# slurm_need: every program the cluster needs, or a failure naming its
# package (need, tests/lib/lib.sh)
slurm_need() {
  need python3 python3
  for tool in munged:munge munge:munge unmunge:munge slurmctld:slurmctld slurmd:slurmd \
              sbatch:slurm-client scontrol:slurm-client squeue:slurm-client scancel:slurm-client; do
    need "${tool%:*}" "${tool#*:} (deps/slurm.txt)"
  done
}

slurm_up() {
  slurm_need
  SLURM_DIR=$1
  mkdir -p "$SLURM_DIR/state" "$SLURM_DIR/spool" || slurm_fail "cannot create '$SLURM_DIR'"
  slurm_start_munged
  slurm_write_conf
  export SLURM_CONF="$SLURM_DIR/slurm.conf"
  slurmctld -D -c -i -f "$SLURM_CONF" >"$SLURM_DIR/slurmctld.out" 2>&1 &
  ctld=$!
  SLURM_PIDS="$ctld"
  slurm_wait_up 20 "$ctld" slurmctld scontrol ping || slurm_fail "slurmctld does not answer"
  slurmd -D -N "$SLURM_HOST" -f "$SLURM_CONF" >"$SLURM_DIR/slurmd.out" 2>&1 &
  slurmd_pid=$!
  SLURM_PIDS="$SLURM_PIDS $slurmd_pid"
  slurm_wait_up 30 "$slurmd_pid" slurmd slurm_node_idle ||
    slurm_fail "node '$SLURM_HOST' is not idle: $(scontrol show node "$SLURM_HOST" 2>&1 | grep -E 'State|Reason')"
}

# slurm_wait_job JOBID SECONDS: waits until every task of the job has ended
# or waits for a dependency that can never be met; prints 'JOBID_K STATE
# EXIT REASON' per task (slurm_job_lines). Exit 1 when time ran out.
slurm_wait_job() {
  n=$(( $2 * 2 ))
  while :; do
    lines=$(scontrol -o show job "$1" 2>/dev/null | slurm_job_lines)
    if [ -n "$lines" ] && ! echo "$lines" | awk '
         $2 ~ /^(PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED|RESIZING|SIGNALING|STAGE_OUT)$/ &&
         $4 != "DependencyNeverSatisfied" { busy = 1 } END { exit !busy }'; then
      echo "$lines"
      return 0
    fi
    n=$((n - 1))
    [ "$n" -gt 0 ] || { echo "$lines"; return 1; }
    sleep 0.5
  done
}

slurm_job_lines() { # 'scontrol -o show job' lines to 'JOBID_K STATE EXIT REASON'
  awk '{ id = ""; task = ""; st = ""; ex = ""; re = ""
         for (i = 1; i <= NF; i++) {
           split($i, kv, "=")
           if (kv[1] == "JobId" && id == "") id = kv[2]
           else if (kv[1] == "ArrayJobId") id = kv[2]
           else if (kv[1] == "ArrayTaskId") task = kv[2]
           else if (kv[1] == "JobState") st = kv[2]
           else if (kv[1] == "ExitCode") ex = kv[2]
           else if (kv[1] == "Reason") re = kv[2]
         }
         print (task == "" ? id : id "_" task), st, ex, re }'
}

# slurm_stop_pid PID SECONDS: wait for it to end, then TERM, then KILL
slurm_stop_pid() {
  slurm_wait_for "$2" sh -c "! kill -0 $1" && { wait "$1" 2>/dev/null; return 0; }
  kill -TERM "$1" 2>/dev/null
  slurm_wait_for 5 sh -c "! kill -0 $1" || kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
  return 0
}

slurm_down() {
  if [ -n "$SLURM_PIDS" ]; then
    jobs=$(squeue -h -o %A 2>/dev/null | sort -u)
    [ -n "$jobs" ] && scancel $jobs 2>/dev/null
    # running jobs leave before the node goes down
    [ -n "$jobs" ] && slurm_wait_for 15 sh -c '[ -z "$(squeue -h -t R,CG -o %A)" ]'
    scontrol shutdown >/dev/null 2>&1
    for pid in $SLURM_PIDS; do slurm_stop_pid "$pid" 15; done
    SLURM_PIDS=""
  fi
  if [ -n "$MUNGED_PID" ]; then
    kill -TERM "$MUNGED_PID" 2>/dev/null
    slurm_stop_pid "$MUNGED_PID" 10
    MUNGED_PID=""
  fi
}
