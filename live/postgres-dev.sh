#!/usr/bin/env bash
# Start the local PostgreSQL cluster and create the live path's test role and database (idempotent).
# Used by `make postgres` and .ci/run (as root on Debian, after `apt-get install postgresql`).
set -euo pipefail
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
pg_lsclusters -h | grep -q "^$ver main" || pg_createcluster "$ver" main
pg_ctlcluster "$ver" main start 2>/dev/null || true
for _ in $(seq 30); do su postgres -c "pg_isready -q" && break; sleep 0.5; done
su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='obs'\"" | grep -q 1 || \
  su postgres -c "psql -qc \"create role obs login password 'obs'\""
su postgres -c "psql -qtAc \"select 1 from pg_database where datname='obs_live_test'\"" | grep -q 1 || \
  su postgres -c "createdb -O obs obs_live_test"
echo "PostgreSQL $ver ready: postgresql+psycopg://obs:obs@127.0.0.1:5432/obs_live_test"
