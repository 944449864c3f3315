#!/bin/sh
# docker compose one-shot (service postgres-init): for each service, create what is missing and
# re-assert its database, its owner role (migrations) and its application role, with the passwords
# from .env. Runs deploy/local/postgres/bootstrap.sql unchanged, so it is safe at every `up`, and a
# changed password in .env takes effect at the next one (restart that service afterwards).
# Connection: PGHOST, PGUSER, PGPASSWORD (the superuser), set by docker-compose.yml.
set -eu

for svc in matching sessions notifications analytics; do
  upper=$(printf '%s' "$svc" | tr '[:lower:]' '[:upper:]')
  app_password=$(printenv "${upper}_DB_PASSWORD" || true)
  owner_password=$(printenv "${upper}_DB_OWNER_PASSWORD" || true)
  if [ -z "$app_password" ] || [ -z "$owner_password" ]; then
    echo "postgres-init: ${upper}_DB_PASSWORD and ${upper}_DB_OWNER_PASSWORD must be set" >&2
    exit 1
  fi
  psql -X -q -v ON_ERROR_STOP=1 -d postgres \
    -v svc="$svc" -v app_password="$app_password" -v owner_password="$owner_password" \
    -f /mentoring/bootstrap.sql
  echo "postgres-init: $svc ready"
done
