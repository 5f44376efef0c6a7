#!/usr/bin/env bash
# First-start setup of the warehouse database (docker-compose.yml, service `warehouse`).
#
# The postgres image runs /docker-entrypoint-initdb.d/* once, when the data volume is empty,
# as the owner (POSTGRES_USER) on POSTGRES_DB. Schemas, tables, grants and the login roles'
# passwords are NOT made here: `dangjian warehouse up` (ingest/warehouse/schema.py), which
# airflow-init runs on every start, does all of that idempotently, on this server or on a
# managed PostgreSQL alike. This script only adds what the bootstrap leaves alone:
#
#  * CONNECT on the database is revoked from PUBLIC, so only roles the bootstrap grants it
#    to (loader, transformer, analyst, steward) and the owner can connect;
#  * the four roles are created without LOGIN if missing (the bootstrap then gives them
#    LOGIN and their passwords from WAREHOUSE_<ROLE>_PASSWORD), so that
#  * people's roles (analyst, steward) get session limits: a SQL client left in an open
#    transaction must not hold locks that block the nightly publish, nor a runaway query
#    run for hours.
set -Eeuo pipefail

psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc --quiet \
    --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
    --set db="${POSTGRES_DB}" <<'SQL'
revoke connect on database :"db" from public;

do $$
declare
    r text;
begin
    foreach r in array array['loader', 'transformer', 'analyst', 'steward'] loop
        if not exists (select from pg_roles where rolname = r) then
            execute format('create role %I nologin', r);
        end if;
    end loop;
end
$$;

alter role analyst set idle_in_transaction_session_timeout = '15min';
alter role analyst set statement_timeout = '10min';
alter role steward set idle_in_transaction_session_timeout = '15min';
alter role steward set statement_timeout = '10min';
SQL

echo "10-roles.sh: CONNECT revoked from PUBLIC on ${POSTGRES_DB}; analyst and steward session limits set"
