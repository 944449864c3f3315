#!/bin/sh
# Entrypoint of every service image. `api`, `worker` and `migrate` run that process of the image's
# own service ($SERVICE, set in its Dockerfile); any other arguments go to the `mentoring` command
# unchanged (`topics ensure`, `outbox status matching`, `dlq show mentoring.sessions`, ...).
set -eu

case "${1:-}" in
  api | worker | migrate)
    process=$1
    shift
    exec mentoring "$process" "${SERVICE:?SERVICE is not set in this image}" "$@"
    ;;
  "")
    echo "usage: api | worker | migrate | <any mentoring command>" >&2
    exit 2
    ;;
  *)
    exec mentoring "$@"
    ;;
esac
