#!/usr/bin/env bash
# Provisions linebacker on a running RabbitMQ (docs/security.md, ADR 0108): one user per app
# with its password from a secret file, both vhosts, every user's permissions and the whole
# topology, so apps run with LINEBACKER_TOPOLOGY=declare-own.
#
#   tools/security/provision-rabbitmq.sh DEFINITIONS SECRETS_DIR
#
# DEFINITIONS  `linebacker topology export --access` output (docker/rabbitmq/definitions.json
#              is the one for docker/compose.yaml).
# SECRETS_DIR  one file per user the definitions name, called like the user and holding its
#              password (a final newline is ignored, as the apps' *_FILE variables do).
# RABBITMQCTL  the command to run (default `rabbitmqctl`; e.g. `rabbitmqctl -n rabbit@host`).
#
# Safe to run again: a user that exists gets its password set again (to the file's, so
# connections keep working), and the import only adds or updates what differs. Users are
# not in the definitions on purpose: importing a user resets its password.
set -euo pipefail

usage='usage: provision-rabbitmq.sh DEFINITIONS SECRETS_DIR'
definitions=${1:?$usage}
secrets=${2:?$usage}
read -r -a ctl <<<"${RABBITMQCTL:-rabbitmqctl}"
[ -r "$definitions" ] || { echo "cannot read $definitions" >&2; exit 2; }

# Every user the definitions grant permissions to: each permission entry has one "user" key.
mapfile -t users < <(grep -o '"user": *"[^"]*"' "$definitions" | sed 's/.*"\([^"]*\)"$/\1/' | sort -u)
[ "${#users[@]}" -gt 0 ] || { echo "$definitions grants no permissions to anyone" >&2; exit 2; }

# Check every secret before changing anything, so a missing one leaves the broker untouched.
for user in "${users[@]}"; do
  file="$secrets/$user"
  [ -s "$file" ] || { echo "no password for $user: $file is missing or empty" >&2; exit 2; }
done

existing=$("${ctl[@]}" list_users --quiet --no-table-headers | cut -f1)
for user in "${users[@]}"; do
  password=$(<"$secrets/$user")
  password=${password%$'\r'}
  # On stdin, never as an argument: a command line is visible to every local user.
  if grep -qxF -- "$user" <<<"$existing"; then
    printf '%s\n' "$password" | "${ctl[@]}" change_password "$user" >/dev/null
  else
    printf '%s\n' "$password" | "${ctl[@]}" add_user "$user" >/dev/null
  fi
done

# Vhosts, permissions, exchanges, queues (with their arguments) and bindings. On stdin,
# because packaged rabbitmqctl runs as the rabbitmq user, which may not read the file.
"${ctl[@]}" import_definitions --format json <"$definitions" >/dev/null
echo "provisioned ${#users[@]} users and $(grep -c '"destination_type"' "$definitions") bindings from $definitions"
