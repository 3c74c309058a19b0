#!/bin/sh
# Starts the app LINEBACKER_APP names: the image holds every bundle, the environment picks one.
# Any arguments are passed to the app. An unknown name exits 2 listing the apps there are.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
app="${LINEBACKER_APP:-}"
case "$app" in
  '' | *[!a-z0-9-]*) bundle='' ;;
  *) bundle="$root/dist/apps/$app/main.js" ;;
esac
if [ -z "$bundle" ] || [ ! -f "$bundle" ]; then
  apps=$(ls "$root/dist/apps" 2>/dev/null | tr '\n' ' ')
  printf '{"level":"error","service":"entrypoint","message":"LINEBACKER_APP=%s is not an app of this image; one of: %s","outcome":"bad-config"}\n' \
    "$app" "$apps" >&2
  exit 2
fi
# The Node flags are APP_NODE_FLAGS (libs/domain/src/services.ts); a deploy test checks they agree.
exec node --enable-source-maps --max-semi-space-size=8 --max-old-space-size=1024 "$bundle" "$@"
