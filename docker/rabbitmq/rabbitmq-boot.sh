#!/usr/bin/env bash
# The Compose broker's command (docker/compose.yaml): starts RabbitMQ through the image's own
# entrypoint, then provisions linebacker's vhosts, users, permissions and topology with the
# script operators run on any broker (tools/security/provision-rabbitmq.sh), from the
# definitions and the users' Docker secrets. The health check passes only after that.
set -euo pipefail

provisioned=/tmp/linebacker-provisioned
rm -f "$provisioned"

# The management UI's administrator, created by RabbitMQ on the first boot of an empty node.
RABBITMQ_DEFAULT_PASS=$(<"/run/secrets/rabbitmq-admin")
export RABBITMQ_DEFAULT_USER=admin RABBITMQ_DEFAULT_PASS

docker-entrypoint.sh rabbitmq-server &
server=$!
# This script is PID 1: hand a stop on to the broker, which shuts down gracefully.
trap 'kill -TERM "$server" 2>/dev/null || true' TERM INT

until rabbitmqctl --quiet await_startup >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit $?; }
  sleep 2
done
bash /opt/linebacker/provision-rabbitmq.sh /etc/linebacker/definitions.json /run/secrets
touch "$provisioned"

# `wait` returns early when a trapped signal arrives; wait again until the broker is gone.
status=0
while kill -0 "$server" 2>/dev/null; do wait "$server" || status=$?; done
exit "$status"
