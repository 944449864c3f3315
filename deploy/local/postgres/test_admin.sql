-- Idempotent: a password-based superuser for test setup over TCP (local runs and CI only).
-- Run as a superuser: psql -X -v ON_ERROR_STOP=1 [-v admin_password=...] -d postgres -f test_admin.sql
-- Never create this role in production.
\if :{?admin_role}
\else
  \set admin_role mentoring_admin
\endif
\if :{?admin_password}
\else
  \set admin_password :admin_role
\endif

SELECT format('CREATE ROLE %I', :'admin_role')
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = :'admin_role') \gexec
ALTER ROLE :"admin_role" WITH LOGIN SUPERUSER CREATEDB CREATEROLE PASSWORD :'admin_password';
