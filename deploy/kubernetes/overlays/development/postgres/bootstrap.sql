-- Idempotent bootstrap of one service's database and roles (PostgreSQL 15+).
--
-- Run as a superuser, connected to any database (usually "postgres"), once per service:
--   psql -X -v ON_ERROR_STOP=1 -v svc=matching -d postgres -f bootstrap.sql
-- Optional variables: owner_password (default "<svc>_owner"), app_password (default "<svc>").
-- Safe to run again at every start: it only creates what is missing and re-asserts attributes,
-- passwords and grants. It never grants on existing tables, so privileges that migrations revoke
-- on purpose stay revoked. Uses only psql features (\gexec, \if), no functions of its own, so the
-- docker-compose init script can run it unchanged.
--
-- Result for svc = s:
--   role s_owner  LOGIN, owns database s and (through migrations) every table in it.
--   role s        LOGIN, the application role: NOSUPERUSER, NOBYPASSRLS, owns nothing, not a
--                 member of s_owner; CONNECT on s, USAGE on schema public, and through default
--                 privileges SELECT/INSERT/UPDATE/DELETE on s_owner's tables and USAGE/SELECT on
--                 its sequences. Row-level security (forced) on tenant tables is the migrations' job.
--   Other roles (including the other services' roles) cannot connect to database s.

\if :{?svc}
\else
  \echo 'bootstrap.sql: the psql variable svc is required (psql -v svc=matching ...)'
  DO $$ BEGIN RAISE EXCEPTION 'bootstrap.sql: psql variable svc is not set'; END $$;
\endif

SELECT :'svc' ~ '^[a-z][a-z0-9_]{0,40}$' AS svc_ok \gset
\if :svc_ok
\else
  DO $$ BEGIN RAISE EXCEPTION 'bootstrap.sql: svc must match ^[a-z][a-z0-9_]*$'; END $$;
\endif

\set owner :svc _owner
\if :{?owner_password}
\else
  \set owner_password :owner
\endif
\if :{?app_password}
\else
  \set app_password :svc
\endif

-- Roles ----------------------------------------------------------------------------------------
SELECT format('CREATE ROLE %I', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I', :'svc')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'svc') \gexec

ALTER ROLE :"owner" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'owner_password';
ALTER ROLE :"svc" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'app_password';

-- The application role must not inherit the owner's rights (it could then ALTER or bypass RLS).
SELECT format('REVOKE %I FROM %I', :'owner', :'svc')
 WHERE pg_catalog.pg_has_role(:'svc', :'owner', 'MEMBER') \gexec

-- Database ---------------------------------------------------------------------------------------
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L', :'svc', :'owner', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = :'svc') \gexec

ALTER DATABASE :"svc" OWNER TO :"owner";
REVOKE ALL ON DATABASE :"svc" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"svc" TO :"svc";

-- Inside the service database ------------------------------------------------------------------
\connect :"svc"

-- PG15: schema public belongs to pg_database_owner (= s_owner here) and PUBLIC lost CREATE.
-- Say it explicitly, and leave USAGE only to the two service roles.
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner";
GRANT USAGE ON SCHEMA public TO :"svc";

-- Objects the owner creates from now on (migrations) are usable by the application role.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"svc";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"svc";

\connect postgres
