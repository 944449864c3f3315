#!/usr/bin/env bash
# Local infrastructure without Docker: a real PostgreSQL 15 cluster and a real Apache Kafka broker
# (KRaft, combined broker+controller, jars from Maven Central), both on loopback only.
#
# Usage: deploy/local/infra.sh COMMAND
#   start        ensure Postgres and Kafka are running and ready (idempotent), print a summary
#   stop         stop both (Kafka: SIGTERM, SIGKILL after 30 s; Postgres: pg_ctl stop -m fast)
#   status       print the state of each; exit 0 only if both are ready
#   reset        stop, delete the state directory (the jar cache is kept), start fresh
#   env          print `export NAME=value` lines for the services and tests
#   Chaos hooks for the reliability tests (each safe to call repeatedly):
#   kafka-kill   SIGKILL the broker JVM            kafka-start  start Kafka only, wait until ready
#   kafka-pause  SIGSTOP the broker JVM            kafka-resume SIGCONT it, wait until ready
#   kafka-stop   graceful stop of Kafka only
#   pg-restart-immediate  pg_ctl restart -m immediate, wait until ready
#   pg-start     start Postgres only, wait until ready        pg-stop  pg_ctl stop -m fast
#
# Runtime state (data, logs, pid files) lives in ${MENTORING_STATE_DIR:-/var/tmp/mentoring}, outside
# the repository: a clone in a mode-700 directory could not be traversed by the postgres OS user.
# Kafka jars are cached in <repo>/.cache/kafka/libs (Maven runs only when that cache is missing or
# deploy/local/kafka/pom.xml changed).
set -euo pipefail
shopt -s inherit_errexit

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
SCRIPT_PATH=$SCRIPT_DIR/$(basename -- "${BASH_SOURCE[0]}")
STATE_DIR=${MENTORING_STATE_DIR:-/var/tmp/mentoring}
STATE_MARKER=.mentoring-state
SERVICES=(matching sessions notifications analytics)
PYTHON=${MENTORING_PYTHON:-python3}

# PostgreSQL
PG_BIN=${MENTORING_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_HOST=127.0.0.1
PG_PORT=${MENTORING_PG_PORT:-5432}
PG_ROOT=$STATE_DIR/postgres
PG_DATA=$PG_ROOT/data
PG_SOCK=$PG_ROOT/run
PG_LOG=$PG_ROOT/postgres.log
PG_SUPERUSER=postgres
PG_ADMIN_ROLE=mentoring_admin
PG_READY_TIMEOUT=60

# Kafka
JAVA=${MENTORING_JAVA:-/usr/bin/java}
KAFKA_HOST=127.0.0.1
KAFKA_PORT=${MENTORING_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${MENTORING_KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=512m
KAFKA_CACHE=$REPO_ROOT/.cache/kafka
KAFKA_LIBS=$KAFKA_CACHE/libs
KAFKA_POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_TEMPLATE=$SCRIPT_DIR/kafka/server.properties.template
KAFKA_LOG4J=$SCRIPT_DIR/kafka/log4j2.properties
KAFKA_PROBE=$SCRIPT_DIR/kafka_probe.py
KAFKA_ROOT=$STATE_DIR/kafka
KAFKA_DATA=$KAFKA_ROOT/data
KAFKA_CONF=$KAFKA_ROOT/server.properties
KAFKA_PID_FILE=$KAFKA_ROOT/kafka.pid
KAFKA_OUT=$KAFKA_ROOT/server.out
KAFKA_READY_TIMEOUT=90
KAFKA_STOP_TIMEOUT=30

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

show_tail() { # file [lines]
  if [[ -f $1 ]]; then
    printf '[infra] ---- last %s lines of %s ----\n' "${2:-40}" "$1" >&2
    tail -n "${2:-40}" -- "$1" >&2 || true
    printf '[infra] ----\n' >&2
  fi
}

check_state_dir_name() {
  # Paths end up in server.properties, postgresql.conf and a unix socket name: keep them plain.
  [[ $STATE_DIR =~ ^/[A-Za-z0-9._/-]+$ ]] ||
    die "MENTORING_STATE_DIR must be an absolute path of [A-Za-z0-9._/-] characters (got '$STATE_DIR')"
  [[ $STATE_DIR != / && $STATE_DIR/ != "$REPO_ROOT"/* ]] ||
    die "MENTORING_STATE_DIR must not be / nor inside the repository ($STATE_DIR)"
  local sock="$PG_SOCK/.s.PGSQL.$PG_PORT"
  ((${#sock} < 100)) || die "MENTORING_STATE_DIR is too long for a unix socket path ($sock)"
}

# --- who runs Postgres --------------------------------------------------------------------------
if [[ $(id -u) -eq 0 ]]; then
  PG_OS_USER=postgres
  id -u "$PG_OS_USER" >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user"
else
  PG_OS_USER=$(id -un)
fi

# Run a command as the Postgres OS user, from / (root's cwd may be unreadable for postgres), without
# the lock descriptor (a daemon started here must not inherit and hold the lock).
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && exec runuser -u "$PG_OS_USER" -- "$@") 9>&-
  else
    (cd / && exec "$@") 9>&-
  fi
}

# --- locking: one mutating command at a time ----------------------------------------------------
LOCKED=0
take_lock() {
  ((LOCKED)) && return 0
  ensure_state_dir
  exec 9>"$STATE_DIR/.lock"
  flock -w 300 9 || die "another infra.sh command holds $STATE_DIR/.lock for more than 300 s"
  LOCKED=1
}

ensure_state_dir() {
  check_state_dir_name
  if [[ ! -d $STATE_DIR ]]; then
    mkdir -p -- "$STATE_DIR"
    chmod 0755 -- "$STATE_DIR" # the postgres OS user must traverse it
  fi
  [[ -f $STATE_DIR/$STATE_MARKER ]] ||
    printf 'Runtime state of deploy/local/infra.sh (safe to delete when stopped).\n' >"$STATE_DIR/$STATE_MARKER"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port_holder() { ss -ltnpH "sport = :$1" 2>/dev/null | sed 's/^/    /' || true; }

# ==================================================================================================
# PostgreSQL
# ==================================================================================================
pg_ctl_() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }
pg_initialized() { [[ -f $PG_DATA/PG_VERSION ]]; }
pg_running() { pg_initialized && pg_ctl_ status >/dev/null 2>&1; }
pg_ready() { "$PG_BIN/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }
pg_pid() { if [[ -f $PG_DATA/postmaster.pid ]]; then head -n1 "$PG_DATA/postmaster.pid" 2>/dev/null || true; fi; }

psql_super() { # psql as the bootstrap superuser over the trusted unix socket
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U "$PG_SUPERUSER" "$@"
}

pg_init() {
  [[ -x $PG_BIN/initdb ]] || die "PostgreSQL binaries not found in $PG_BIN (apt-get install postgresql-15)"
  mkdir -p -- "$PG_ROOT"
  if [[ $(id -u) -eq 0 ]]; then chown "$PG_OS_USER:" "$PG_ROOT"; fi
  chmod 0750 "$PG_ROOT"
  as_pg test -w "$PG_ROOT" ||
    die "the '$PG_OS_USER' OS user cannot write $PG_ROOT: put MENTORING_STATE_DIR under a world-traversable directory (e.g. /var/tmp)"
  as_pg mkdir -p "$PG_SOCK"
  as_pg chmod 0700 "$PG_SOCK"
  if ! pg_initialized; then
    log "postgres: initdb $PG_DATA"
    as_pg rm -rf "$PG_DATA.initdb"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA.initdb" -U "$PG_SUPERUSER" --encoding=UTF8 --locale=C.UTF-8 \
      --data-checksums --auth-local=trust --auth-host=scram-sha-256 >"$PG_ROOT/initdb.log" 2>&1 ||
      { show_tail "$PG_ROOT/initdb.log"; die "initdb failed"; }
    as_pg mv "$PG_DATA.initdb" "$PG_DATA"
  fi
}

# Writes the repo's settings into the data dir; sets PG_CONF_CHANGED=1 if anything changed.
PG_CONF_CHANGED=0
pg_configure() {
  local conf hba
  PG_CONF_CHANGED=0
  conf=$(
    cat "$SCRIPT_DIR/postgres/postgresql.conf"
    printf "unix_socket_directories = '%s'\nport = %s\n" "$PG_SOCK" "$PG_PORT"
  )
  hba=$(cat "$SCRIPT_DIR/postgres/pg_hba.conf")
  if [[ ! -f $PG_DATA/mentoring.conf || $(cat "$PG_DATA/mentoring.conf") != "$conf" ]]; then
    printf '%s\n' "$conf" | as_pg tee "$PG_DATA/mentoring.conf" >/dev/null
    PG_CONF_CHANGED=1
  fi
  if [[ $(cat "$PG_DATA/pg_hba.conf") != "$hba" ]]; then
    printf '%s\n' "$hba" | as_pg tee "$PG_DATA/pg_hba.conf" >/dev/null
    PG_CONF_CHANGED=1
  fi
  if ! grep -q "^include_if_exists = 'mentoring.conf'" "$PG_DATA/postgresql.conf"; then
    printf "\n# deploy/local/infra.sh\ninclude_if_exists = 'mentoring.conf'\n" |
      as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
    PG_CONF_CHANGED=1
  fi
}

pg_wait_ready() {
  local deadline=$((SECONDS + PG_READY_TIMEOUT))
  while ! pg_ready; do
    if ! pg_running; then
      show_tail "$PG_LOG"
      die "postgres exited while starting (log: $PG_LOG)"
    fi
    if ((SECONDS >= deadline)); then
      show_tail "$PG_LOG"
      die "postgres not ready on $PG_HOST:$PG_PORT after ${PG_READY_TIMEOUT}s (log: $PG_LOG)"
    fi
    sleep 0.2
  done
}

pg_bootstrap() {
  psql_super -d postgres -v "admin_role=$PG_ADMIN_ROLE" -f - <"$SCRIPT_DIR/postgres/test_admin.sql"
  local s
  for s in "${SERVICES[@]}"; do
    psql_super -d postgres -v "svc=$s" -f - <"$SCRIPT_DIR/postgres/bootstrap.sql"
  done
}

pg_start() {
  ensure_state_dir
  pg_init
  pg_configure
  if pg_running; then
    if ((PG_CONF_CHANGED)); then
      log "postgres: configuration changed, reloading (max_connections/shared_buffers need pg-stop + pg-start)"
      pg_ctl_ reload >/dev/null
    fi
    pg_ready || { log "postgres: running, waiting until ready"; pg_wait_ready; }
    log "postgres: already running (pid $(pg_pid))"
  else
    if port_open "$PG_PORT"; then
      die "$PG_HOST:$PG_PORT is in use by another process (not this cluster in $PG_DATA):
$(port_holder "$PG_PORT")
    stop it (e.g. the Debian cluster: pg_ctlcluster 15 main stop) and run start again"
    fi
    log "postgres: starting ($PG_DATA)"
    pg_ctl_ -l "$PG_LOG" -w -t "$PG_READY_TIMEOUT" start >/dev/null ||
      { show_tail "$PG_LOG"; die "postgres failed to start (log: $PG_LOG)"; }
    pg_wait_ready
  fi
  pg_bootstrap
}

pg_stop() {
  if ! pg_running; then
    log "postgres: not running"
    return 0
  fi
  log "postgres: stopping (fast)"
  if ! pg_ctl_ -m fast -w -t 60 stop >/dev/null; then
    log "postgres: fast stop timed out, using immediate"
    pg_ctl_ -m immediate -w -t 30 stop >/dev/null || die "postgres did not stop"
  fi
}

pg_restart_immediate() {
  ensure_state_dir
  pg_initialized || die "postgres is not initialized; run start first"
  log "postgres: restart -m immediate"
  pg_ctl_ -m immediate -l "$PG_LOG" -w -t "$PG_READY_TIMEOUT" restart >/dev/null ||
    { show_tail "$PG_LOG"; die "postgres failed to restart (log: $PG_LOG)"; }
  pg_wait_ready
  log "postgres: ready after immediate restart (pid $(pg_pid))"
}

pg_state() { # prints one of: ready | running-not-ready | stopped
  if pg_running; then
    if pg_ready; then echo ready; else echo running-not-ready; fi
  else
    echo stopped
  fi
}

# ==================================================================================================
# Kafka
# ==================================================================================================
kafka_version() {
  local jar
  for jar in "$KAFKA_LIBS"/kafka_2.13-*.jar; do
    [[ -f $jar ]] || continue
    jar=${jar##*/kafka_2.13-}
    echo "${jar%.jar}"
    return
  done
  echo unknown
}

kafka_check_libs() { # dir: sanity-check the jar set
  local dir=$1 need bad
  for need in kafka_2.13- kafka-clients- kafka-server- kafka-raft- kafka-metadata- scala-library- \
    log4j-api- log4j-core- log4j-slf4j-impl- slf4j-api-1.; do
    compgen -G "$dir/$need*.jar" >/dev/null || { log "kafka: jar ${need}*.jar missing in $dir"; return 1; }
  done
  for bad in slf4j-api-2. log4j-slf4j2-impl- log4j-1.2-api- reload4j- slf4j-reload4j- logback-classic- slf4j-log4j12-; do
    if compgen -G "$dir/$bad*.jar" >/dev/null; then log "kafka: unwanted jar ${bad}*.jar in $dir"; return 1; fi
  done
  [[ $(compgen -G "$dir/slf4j-api-*.jar" | wc -l) -eq 1 ]] || { log "kafka: several slf4j-api jars in $dir"; return 1; }
}

kafka_ensure_libs() {
  local want stamp=$KAFKA_LIBS/.pom.sha256 tmp
  want=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)
  if [[ -f $stamp && $(<"$stamp") == "$want" ]] && kafka_check_libs "$KAFKA_LIBS"; then
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found (apt-get install maven) and no jar cache in $KAFKA_LIBS"
  mkdir -p -- "$KAFKA_CACHE"
  tmp=$KAFKA_CACHE/libs.tmp.$$
  rm -rf -- "$tmp"
  log "kafka: downloading broker jars with Maven into $KAFKA_LIBS (only when the cache is missing)"
  mvn -B -q -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" 9>&- >&2 || { rm -rf -- "$tmp"; die "maven failed to fetch the Kafka jars"; }
  kafka_check_libs "$tmp" || { rm -rf -- "$tmp"; die "unexpected Kafka jar set (see above)"; }
  printf '%s\n' "$want" >"$tmp/.pom.sha256"
  rm -rf -- "$KAFKA_LIBS"
  mv -- "$tmp" "$KAFKA_LIBS"
  log "kafka: $(compgen -G "$KAFKA_LIBS/*.jar" | wc -l) jars cached (kafka $(kafka_version))"
}

kafka_jvm_common() { # options shared by StorageTool and the broker
  printf '%s\n' "-Djava.awt.headless=true" "-Djava.io.tmpdir=$KAFKA_ROOT/tmp" \
    "-Dlog4j2.configurationFile=$KAFKA_LOG4J" "-Dkafka.logs.dir=$KAFKA_ROOT/logs"
}

new_cluster_id() { # same shape as Kafka's Uuid.randomUuid(): 16 random bytes, base64url, no padding
  "$PYTHON" - <<'PY'
import base64, os
while True:
    s = base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")
    if not s.startswith("-"):
        print(s)
        break
PY
}

kafka_prepare() {
  ensure_state_dir
  mkdir -p -- "$KAFKA_DATA" "$KAFKA_ROOT/logs" "$KAFKA_ROOT/tmp"
  sed -e "s|@KAFKA_DATA_DIR@|$KAFKA_DATA|g" -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" "$KAFKA_TEMPLATE" >"$KAFKA_CONF.tmp"
  mv -- "$KAFKA_CONF.tmp" "$KAFKA_CONF"
  if [[ ! -f $KAFKA_DATA/meta.properties ]]; then
    local cid opts
    [[ -s $KAFKA_ROOT/cluster.id ]] || new_cluster_id >"$KAFKA_ROOT/cluster.id"
    cid=$(<"$KAFKA_ROOT/cluster.id")
    mapfile -t opts < <(kafka_jvm_common)
    log "kafka: formatting KRaft storage (cluster id $cid)"
    "$JAVA" -Xmx256m "${opts[@]}" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
      -t "$cid" -c "$KAFKA_CONF" -g >"$KAFKA_ROOT/format.log" 2>&1 9>&- ||
      { show_tail "$KAFKA_ROOT/format.log"; die "kafka storage format failed"; }
  fi
}

proc_alive() { # pid: exists and is not a zombie
  local st
  [[ -r /proc/$1/stat ]] || return 1
  st=$(<"/proc/$1/stat") 2>/dev/null || return 1
  st=${st##*) }
  [[ ${st%% *} != Z && ${st%% *} != X ]]
}
proc_paused() { # pid: stopped by a signal
  local st
  st=$(<"/proc/$1/stat") 2>/dev/null || return 1
  st=${st##*) }
  [[ ${st%% *} == T ]]
}
is_our_kafka() { # pid: a live kafka.Kafka JVM using this state dir's config
  local cmd
  proc_alive "$1" || return 1
  cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *" kafka.Kafka $KAFKA_CONF"* ]]
}

kafka_pid() { # prints the pid of our broker, or nothing
  local pid=""
  [[ -f $KAFKA_PID_FILE ]] && pid=$(<"$KAFKA_PID_FILE")
  if [[ $pid =~ ^[0-9]+$ ]] && is_our_kafka "$pid"; then
    echo "$pid"
    return 0
  fi
  # pid file lost or stale: look for a JVM started with exactly our config file.
  for pid in $(pgrep -f -- " kafka\\.Kafka ${KAFKA_CONF//./\\.}\$" 2>/dev/null || true); do
    if is_our_kafka "$pid"; then
      echo "$pid"
      return 0
    fi
  done
  return 0
}

kafka_probe() { "$PYTHON" "$KAFKA_PROBE" --host "$KAFKA_HOST" --port "$KAFKA_PORT" --timeout "${1:-1.0}" "${@:2}"; }

kafka_wait_ready() { # pid
  local pid=$1 deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  while ! kafka_probe 1.0; do
    if ! proc_alive "$pid"; then
      rm -f -- "$KAFKA_PID_FILE"
      show_tail "$KAFKA_OUT" 60
      die "kafka JVM (pid $pid) exited while starting (log: $KAFKA_OUT)"
    fi
    if ((SECONDS >= deadline)); then
      show_tail "$KAFKA_OUT" 60
      die "kafka not ready on $KAFKA_HOST:$KAFKA_PORT after ${KAFKA_READY_TIMEOUT}s (pid $pid, log: $KAFKA_OUT)"
    fi
    sleep 0.2
  done
}

# Starts the JVM if needed; prints the pid. Does not wait for readiness.
kafka_launch() {
  local pid
  pid=$(kafka_pid)
  if [[ -n $pid ]]; then
    if proc_paused "$pid"; then
      log "kafka: broker (pid $pid) was paused (SIGSTOP), resuming it"
      kill -CONT "$pid"
    fi
    echo "$pid"
    return 0
  fi
  local p
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$p"; then
      die "127.0.0.1:$p is in use by another process (not this state dir's broker):
$(port_holder "$p")"
    fi
  done
  [[ -x $JAVA ]] || die "java not found at $JAVA (a JDK 17+ is needed)"
  kafka_ensure_libs
  kafka_prepare
  [[ -f $KAFKA_OUT ]] && mv -f -- "$KAFKA_OUT" "$KAFKA_OUT.prev"
  rm -f -- "$KAFKA_PID_FILE"
  local opts
  mapfile -t opts < <(kafka_jvm_common)
  log "kafka: starting broker $(kafka_version) on $KAFKA_HOST:$KAFKA_PORT (log: $KAFKA_OUT)"
  # setsid: own session, so a caller's Ctrl-C or process-group kill does not reach the broker.
  # The inner shell writes its own pid (kept by exec) whether or not setsid had to fork.
  # shellcheck disable=SC2016 # $$, $1 and $@ belong to the inner shell
  setsid nohup bash -c 'echo $$ >"$1" && shift && exec "$@"' kafka-launcher "$KAFKA_PID_FILE" \
    "$JAVA" "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent "${opts[@]}" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF" </dev/null >"$KAFKA_OUT" 2>&1 9>&- &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s $KAFKA_PID_FILE ]] && break
    sleep 0.1
  done
  [[ -s $KAFKA_PID_FILE ]] || { show_tail "$KAFKA_OUT"; die "kafka launcher did not start"; }
  cat -- "$KAFKA_PID_FILE"
}

kafka_start() {
  local pid
  pid=$(kafka_launch)
  if kafka_probe 1.0; then
    log "kafka: ready (pid $pid)"
    return 0
  fi
  kafka_wait_ready "$pid"
  log "kafka: ready (pid $pid)"
}

kafka_wait_gone() { # pid timeout_seconds
  local deadline=$((SECONDS + $2))
  while proc_alive "$1"; do
    ((SECONDS >= deadline)) && return 1
    sleep 0.1
  done
}

kafka_stop() {
  local pid
  pid=$(kafka_pid)
  if [[ -z $pid ]]; then
    rm -f -- "$KAFKA_PID_FILE"
    log "kafka: not running"
    return 0
  fi
  log "kafka: stopping (SIGTERM, pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true # a paused JVM cannot handle SIGTERM
  if ! kafka_wait_gone "$pid" "$KAFKA_STOP_TIMEOUT"; then
    log "kafka: still running after ${KAFKA_STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    kafka_wait_gone "$pid" 10 || die "kafka (pid $pid) survived SIGKILL"
  fi
  rm -f -- "$KAFKA_PID_FILE"
}

kafka_kill() {
  local pid
  pid=$(kafka_pid)
  if [[ -z $pid ]]; then
    rm -f -- "$KAFKA_PID_FILE"
    log "kafka: not running (nothing to kill)"
    return 0
  fi
  log "kafka: SIGKILL pid $pid"
  kill -KILL "$pid" 2>/dev/null || true
  kafka_wait_gone "$pid" 10 || die "kafka (pid $pid) survived SIGKILL"
  rm -f -- "$KAFKA_PID_FILE"
}

kafka_pause() {
  local pid
  pid=$(kafka_pid)
  [[ -n $pid ]] || die "kafka is not running: nothing to pause"
  kill -STOP "$pid"
  log "kafka: paused (SIGSTOP pid $pid)"
}

kafka_resume() {
  local pid
  pid=$(kafka_pid)
  if [[ -z $pid ]]; then
    log "kafka: not running (nothing to resume); use kafka-start"
    return 0
  fi
  kill -CONT "$pid"
  kafka_wait_ready "$pid"
  log "kafka: resumed and ready (pid $pid)"
}

kafka_state() { # prints one of: ready | paused | running-not-ready | stopped
  local pid
  pid=$(kafka_pid)
  if [[ -z $pid ]]; then
    echo stopped
  elif proc_paused "$pid"; then
    echo paused
  elif kafka_probe 1.0; then
    echo ready
  else
    echo running-not-ready
  fi
}

# ==================================================================================================
# Commands
# ==================================================================================================
print_env() {
  local s S
  echo "export MENTORING_KAFKA_BOOTSTRAP=$KAFKA_HOST:$KAFKA_PORT"
  echo "export TEST_KAFKA_BOOTSTRAP=$KAFKA_HOST:$KAFKA_PORT"
  echo "export TEST_DATABASE_URL=postgresql://$PG_ADMIN_ROLE:$PG_ADMIN_ROLE@$PG_HOST:$PG_PORT/postgres"
  for s in "${SERVICES[@]}"; do
    S=${s^^}
    echo "export MENTORING_${S}_DATABASE_URL=postgresql+asyncpg://$s:$s@$PG_HOST:$PG_PORT/$s"
    echo "export MENTORING_${S}_MIGRATION_DATABASE_URL=postgresql+asyncpg://${s}_owner:${s}_owner@$PG_HOST:$PG_PORT/$s"
  done
  echo "export MENTORING_STATE_DIR=$STATE_DIR"
  echo "export MENTORING_INFRA_SCRIPT=$SCRIPT_PATH"
}

cmd_status() {
  local pgs ks rc=0 pid
  pgs=$(pg_state)
  ks=$(kafka_state)
  pid=$(pg_pid)
  if [[ $pgs != stopped && -n $pid ]]; then pid="pid $pid, "; else pid=""; fi
  printf 'postgres  %-18s %s:%s  %sdata %s\n' "$pgs" "$PG_HOST" "$PG_PORT" "$pid" "$PG_DATA"
  pid=$(kafka_pid)
  if [[ -n $pid ]]; then pid="pid $pid, "; fi
  printf 'kafka     %-18s %s:%s  %skafka %s, data %s\n' "$ks" "$KAFKA_HOST" "$KAFKA_PORT" "$pid" \
    "$(kafka_version)" "$KAFKA_DATA"
  [[ $pgs == ready && $ks == ready ]] || rc=1
  return "$rc"
}

cmd_start() {
  take_lock
  local t0=$SECONDS kpid
  # Launch the JVM first (slowest), bring Postgres up meanwhile, then wait for Kafka.
  kpid=$(kafka_launch)
  pg_start
  if ! kafka_probe 1.0; then
    log "kafka: waiting until ready (pid $kpid)"
    kafka_wait_ready "$kpid"
  fi
  log "all up in $((SECONDS - t0))s"
  cmd_status || die "not ready after start"
  echo "state dir: $STATE_DIR   (env: eval \"\$(bash $SCRIPT_PATH env)\")"
}

cmd_stop() {
  take_lock
  kafka_stop
  pg_stop
}

cmd_reset() {
  take_lock
  kafka_stop
  pg_stop
  if [[ -d $STATE_DIR ]]; then
    [[ -f $STATE_DIR/$STATE_MARKER ]] ||
      die "$STATE_DIR has no $STATE_MARKER file: refusing to delete a directory this script did not create"
    log "deleting $STATE_DIR (jar cache $KAFKA_LIBS is kept)"
    find "$STATE_DIR" -mindepth 1 -maxdepth 1 ! -name .lock -exec rm -rf -- {} +
  fi
  cmd_start
}

usage() {
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SCRIPT_PATH"
}

main() {
  local cmd=${1:-}
  case $cmd in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  reset) cmd_reset ;;
  env) print_env ;;
  kafka-start | kafka-stop | kafka-kill | kafka-pause | kafka-resume | pg-start | pg-stop | pg-restart-immediate)
    take_lock
    case $cmd in
    kafka-start) kafka_start ;;
    kafka-stop) kafka_stop ;;
    kafka-kill) kafka_kill ;;
    kafka-pause) kafka_pause ;;
    kafka-resume) kafka_resume ;;
    pg-start)
      pg_start
      log "postgres: ready (pid $(pg_pid))"
      ;;
    pg-stop) pg_stop ;;
    pg-restart-immediate) pg_restart_immediate ;;
    esac
    ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 2
    ;;
  esac
}

main "$@"
