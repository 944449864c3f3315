#!/usr/bin/env bash
# Run the four services natively (no Docker): each one's API and worker as background processes.
#
# Usage: deploy/local/services.sh start|stop|status
# Logs and pid files: ${MENTORING_STATE_DIR:-/var/tmp/mentoring}/services/. Needs the environment
# of `infra.sh env` (make up provides it) and the project's .venv (uv sync).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd -P)
STATE_DIR=${MENTORING_STATE_DIR:-/var/tmp/mentoring}
RUN_DIR=$STATE_DIR/services
SERVICES=(matching sessions notifications analytics)
declare -A API_PORT=([matching]=8001 [sessions]=8002 [notifications]=8003 [analytics]=8004)
declare -A WORKER_PORT=([matching]=8101 [sessions]=8102 [notifications]=8103 [analytics]=8104)
MENTORING=${MENTORING_BIN:-$REPO_ROOT/.venv/bin/mentoring}

log() { printf '%s\n' "$*"; }

running() { # pidfile
  [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

wait_http() { # url timeout_seconds
  local url=$1 deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    if ((SECONDS > deadline)); then return 1; fi
    sleep 0.3
  done
}

start_one() { # service kind port
  local svc=$1 kind=$2 port=$3 pidfile=$RUN_DIR/$1-$2.pid logfile=$RUN_DIR/$1-$2.log
  if running "$pidfile"; then
    log "  $svc $kind already running (pid $(cat "$pidfile"))"
    return
  fi
  (
    cd "$REPO_ROOT"
    nohup "$MENTORING" "$kind" "$svc" >>"$logfile" 2>&1 &
    echo $! >"$pidfile"
  )
  if ! wait_http "http://127.0.0.1:$port/health/live" 60; then
    log "  $svc $kind did not come up; last log lines:"
    tail -n 20 "$logfile" >&2
    return 1
  fi
  log "  $svc $kind up on 127.0.0.1:$port (pid $(cat "$pidfile"))"
}

cmd_start() {
  mkdir -p "$RUN_DIR"
  for svc in "${SERVICES[@]}"; do
    start_one "$svc" api "${API_PORT[$svc]}"
    start_one "$svc" worker "${WORKER_PORT[$svc]}"
  done
}

cmd_stop() {
  for svc in "${SERVICES[@]}"; do
    for kind in api worker; do
      local pidfile=$RUN_DIR/$svc-$kind.pid
      if running "$pidfile"; then
        kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
        for _ in $(seq 1 50); do running "$pidfile" || break; sleep 0.2; done
        running "$pidfile" && kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
        log "stopped $svc $kind"
      fi
      rm -f "$pidfile"
    done
  done
}

cmd_status() {
  local rc=0
  for svc in "${SERVICES[@]}"; do
    for kind in api worker; do
      local port pidfile=$RUN_DIR/$svc-$kind.pid
      if [[ $kind == api ]]; then port=${API_PORT[$svc]}; else port=${WORKER_PORT[$svc]}; fi
      if running "$pidfile" && curl -fsS -o /dev/null "http://127.0.0.1:$port/health/live"; then
        printf '%-14s %-7s up    127.0.0.1:%s\n' "$svc" "$kind" "$port"
      else
        printf '%-14s %-7s down\n' "$svc" "$kind"
        rc=1
      fi
    done
  done
  return $rc
}

case ${1:-} in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
