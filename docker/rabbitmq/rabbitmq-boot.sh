#!/usr/bin/env bash
# The Compose broker's command (docker/compose.yaml): starts RabbitMQ through the image's own
# entrypoint, then provisions linebacker's vhosts, users, permissions and topology with the
# script operators run on any broker (tools/security/provision-rabbitmq.sh), from the
# definitions and the users' Docker secrets. The health check passes only after that (and,
# on a cluster, once every node has joined).
set -euo pipefail

provisioned=/tmp/linebacker-provisioned
rm -f "$provisioned"

# Cluster nodes (docker/compose.cluster.yaml) authenticate each other with one Erlang cookie,
# a Docker secret. The image reads it from $HOME/.erlang.cookie (HOME is the data directory,
# and root's cookie links there, so rabbitmqctl finds it too), owned by rabbitmq and readable
# only by it: a Compose file secret is a bind mount with the host file's owner and mode, so
# it is copied into place here, as root, before the server starts.
cookie_secret=/run/secrets/rabbitmq-erlang-cookie
if [ -f "$cookie_secret" ]; then
  cookie=/var/lib/rabbitmq/.erlang.cookie
  (umask 077 && tr -d '\r\n' <"$cookie_secret" >"$cookie")
  chown rabbitmq:rabbitmq "$cookie"
  chmod 400 "$cookie"
fi
# How many nodes must be running before this one counts as up (1: a single node), and
# whether this node provisions (one node of a cluster does; users and topology are shared).
cluster_size=${LINEBACKER_RABBITMQ_CLUSTER_SIZE:-1}
provision=${LINEBACKER_RABBITMQ_PROVISION:-true}

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
# Quorum queues get their replicas on the nodes running when they are declared: provision
# (and let the apps in) only once every node has joined.
until rabbitmqctl --quiet await_online_nodes "$cluster_size" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { wait "$server"; exit $?; }
  sleep 2
done
if [ "$provision" != false ]; then
  bash /opt/linebacker/provision-rabbitmq.sh /etc/linebacker/definitions.json /run/secrets
fi
touch "$provisioned"

# `wait` returns early when a trapped signal arrives; wait again until the broker is gone.
status=0
while kill -0 "$server" 2>/dev/null; do wait "$server" || status=$?; done
exit "$status"
