#!/bin/sh
# Run by the postgres image once, when its data volume is empty (/docker-entrypoint-initdb.d):
# one login role and one database per subgraph, the role owning its database, no other role
# allowed to connect to it. The passwords come from the postgres service's environment
# (docker-compose.yml): USERS_DB_PASSWORD, PRODUCTS_DB_PASSWORD.
#
# Changing a password later is not done here (this script never runs again on a non-empty volume):
#   docker compose exec postgres psql -U postgres -c "ALTER ROLE users PASSWORD '<new>'"
# then set the new one in the environment and recreate the service (docker compose up -d).
#
# psql reads the connection from the environment, so the script also runs against any server:
#   PGHOST=... PGPORT=... POSTGRES_USER=postgres POSTGRES_DB=postgres \
#   USERS_DB_PASSWORD=... PRODUCTS_DB_PASSWORD=... sh deploy/compose/postgres-init.sh
set -e

# service_database <name> <password>: role <name> (login, <password>) owning database <name>.
service_database() {
  if [ -z "$2" ]; then
    echo "postgres-init: no password for the $1 role (set its *_DB_PASSWORD)" >&2
    exit 1
  fi
  # The quoted here-document keeps the shell out of the SQL; psql substitutes :"name" (an
  # identifier) and :'password' (a literal), quoting both.
  psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    --set name="$1" --set password="$2" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
  echo "postgres-init: database $1 owned by role $1"
}

service_database users "${USERS_DB_PASSWORD:-}"
service_database products "${PRODUCTS_DB_PASSWORD:-}"
