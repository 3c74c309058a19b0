#!/usr/bin/env bash
# Makes sure PostgreSQL and RabbitMQ answer on 127.0.0.1: starts them if installed but
# stopped, installs them from Debian's packages if absent; installs PgBouncer for the tests
# that start one, and promtool for the tests of the alert rules. Must run as root.
set -euo pipefail

log() { echo "[ensure-services] $*"; }

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
rabbit_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if pg_up; then log "PostgreSQL is up"; return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL from Debian's packages"
    apt_install postgresql
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n 1)
    # A test machine: trust local TCP connections, as the development machines do.
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 60); do pg_up && { log "PostgreSQL is up"; return; }; sleep 1; done
  log "PostgreSQL did not come up"; exit 1
}

rabbit_healthy() { rabbit_up && timeout 60 rabbitmqctl await_startup >/dev/null 2>&1; }

ensure_rabbitmq() {
  if rabbit_healthy; then log "RabbitMQ is up"; return; fi
  if pgrep -u rabbitmq beam.smp >/dev/null 2>&1; then
    # Running but not answering (stuck boot or a stopped app): restart it from scratch.
    log "RabbitMQ is not healthy; restarting it"
    timeout 30 rabbitmqctl start_app >/dev/null 2>&1 && rabbit_healthy && { log "RabbitMQ is up"; return; }
    pkill -9 -u rabbitmq beam.smp || true
    sleep 2
  fi
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    log "installing RabbitMQ from Debian's packages"
    apt_install rabbitmq-server
  fi
  log "starting RabbitMQ"
  rabbitmq-server -detached || true
  timeout 120 rabbitmqctl await_startup >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do rabbit_healthy && { log "RabbitMQ is up"; return; }; sleep 1; done
  log "RabbitMQ did not come up"; exit 1
}

# PgBouncer is only a binary the tests start themselves (a pooler in each pool mode).
ensure_pgbouncer() {
  if [ -x /usr/sbin/pgbouncer ]; then log "PgBouncer is installed"; return; fi
  log "installing PgBouncer from Debian's packages"
  apt_install pgbouncer
}

# promtool checks docker/observability's rules and dashboard queries with Prometheus' own
# parser; it comes with Debian's Prometheus, whose server is never started here.
ensure_promtool() {
  if command -v promtool >/dev/null 2>&1; then log "promtool is installed"; return; fi
  log "installing promtool (Debian's prometheus package)"
  apt_install --no-install-recommends prometheus
}

# The Entra ID test runs Azurite over HTTPS with a certificate openssl makes for the run.
ensure_openssl() {
  if command -v openssl >/dev/null 2>&1; then log "openssl is installed"; return; fi
  log "installing openssl from Debian's packages"
  apt_install openssl
}

ensure_postgres
ensure_rabbitmq
ensure_pgbouncer
ensure_promtool
ensure_openssl

db=${LINEBACKER_TEST_DATABASE:-linebacker_test}
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  log "creating database $db"
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $db"
fi
