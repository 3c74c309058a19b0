#!/bin/sh
# Creates linebacker's PostgreSQL roles in one database (docs/security.md, "PostgreSQL roles").
#
#   postgres-roles.sh owner:lb_owner app:lb_http_receiver app:lb_check_allowed operator:lb_cli ...
#
# Run it as a superuser, connected to linebacker's database through the libpq variables
# (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE). Without arguments it reads the list from
# LINEBACKER_PG_ROLES. It is idempotent: run again, it creates what is missing and sets every
# listed login's password anew (how a password is rotated).
#
#   - always: the NOLOGIN group roles linebacker_app, linebacker_reader and
#     linebacker_retention (the migrations grant them the tables); CONNECT on the database only for them (not for PUBLIC), and no
#     TEMP and no CREATE in the schema for PUBLIC (PostgreSQL 14 and older still grant that).
#   - owner:NAME   a login that owns the database and may create in its schema: run the
#                  migrate app as this one. Neither superuser nor allowed to create roles.
#   - app:NAME     a login in linebacker_app (rows only, no DDL); one per app, so
#                  pg_stat_activity tells the apps apart.
#   - reader:NAME  a login in linebacker_reader (SELECT only): dashboards, a read-only CLI.
#   - operator:NAME  a login in linebacker_reader and linebacker_retention: the operator CLI,
#                  which reads everything and may run `linebacker retention run` (ADR 0213).
#
# Each NAME's password comes from the variable NAME_PASSWORD upper-cased (lb_cli:
# LB_CLI_PASSWORD), or from the file named by that variable with _FILE appended.
#
# Mounted into the official postgres image's /docker-entrypoint-initdb.d it runs once, on
# the first start, connected as POSTGRES_USER to POSTGRES_DB (docker/compose.yaml).
set -eu

export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"
export PGDATABASE="${PGDATABASE:-${POSTGRES_DB:-$PGUSER}}"

fail() {
  printf 'postgres-roles.sh: %s\n' "$1" >&2
  exit 2
}

# A SQL string literal (standard_conforming_strings: only the quote is special).
literal() {
  printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

password_of() {
  variable="$(printf '%s' "$1" | tr 'a-z' 'A-Z')_PASSWORD"
  eval "value=\${$variable:-}"
  eval "file=\${${variable}_FILE:-}"
  if [ -n "$file" ]; then
    [ -z "$value" ] || fail "set $variable or ${variable}_FILE, not both"
    [ -r "$file" ] || fail "${variable}_FILE=$file is not a readable file"
    value=$(cat "$file")
  fi
  [ -n "$value" ] || fail "no password for $1: set $variable or ${variable}_FILE"
  printf '%s' "$value"
}

group_role() {
  # The same race-tolerant creation as the grants migration: roles are cluster-wide.
  cat <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '$1') THEN
    BEGIN
      CREATE ROLE $1 NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
END
\$\$;
SQL
}

login_role() {
  quoted=$(literal "$1")
  # ALTER ROLE below strips SUPERUSER: never from the role that runs this script.
  cat <<SQL
DO \$\$
BEGIN
  IF $quoted = current_user THEN
    RAISE EXCEPTION 'postgres-roles.sh: % runs this script; name another login', current_user;
  END IF;
END
\$\$;
SELECT format('CREATE ROLE %I LOGIN', $quoted)
 WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = $quoted) \\gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L', $quoted, $(literal "$2")) \\gexec
SQL
}

script() {
  # The passwords below must not reach the server log (log_statement = 'ddl' would write them).
  cat <<'SQL'
SET client_min_messages = warning;
DO $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    PERFORM set_config('log_statement', 'none', false);
  END IF;
END
$$;
SQL
  group_role linebacker_app
  group_role linebacker_reader
  group_role linebacker_retention
  cat <<'SQL'
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO linebacker_app, linebacker_reader', current_database()) \gexec
SELECT format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', current_schema()) \gexec
SQL
  for entry in "$@"; do
    kind=${entry%%:*}
    name=${entry#*:}
    case "$name" in
      '' | [!a-z_]* | *[!a-z0-9_]*) fail "$entry: a login name is lower-case letters, digits and _" ;;
    esac
    [ "${#name}" -le 63 ] || fail "$entry: a login name has at most 63 characters"
    password=$(password_of "$name")
    case "$kind" in
      owner)
        login_role "$name" "$password"
        echo "SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), $(literal "$name")) \\gexec"
        echo "SELECT format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', current_schema(), $(literal "$name")) \\gexec"
        ;;
      app | reader)
        login_role "$name" "$password"
        echo "GRANT linebacker_$kind TO $name;"
        ;;
      operator)
        login_role "$name" "$password"
        echo "GRANT linebacker_reader, linebacker_retention TO $name;"
        ;;
      *) fail "$entry: the kind is owner, app, reader or operator" ;;
    esac
  done
}

if [ "$#" -eq 0 ]; then
  set -f
  # Word splitting is the point: the variable holds a space-separated list.
  # shellcheck disable=SC2086
  set -- ${LINEBACKER_PG_ROLES:-}
fi
[ "$#" -gt 0 ] || fail "name the logins to create (owner:NAME app:NAME reader:NAME operator:NAME), or set LINEBACKER_PG_ROLES"
sql=$(script "$@")
printf '%s\n' "$sql" | psql -X -q -v ON_ERROR_STOP=1 --single-transaction -f -
printf 'postgres-roles.sh: %s ready in database %s\n' "$*" "$PGDATABASE"
