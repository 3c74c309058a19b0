#!/usr/bin/env bash
# Scaffolds a lib or app with the workspace's standard config files.
# usage: tools/new-project.sh lib|app|sim|tool NAME TAGS(comma separated)
# A tool is an app under tools/ (a harness or a benchmark run as `node dist/tools/NAME/main.js`).
set -euo pipefail
kind=$1 name=$2 tags=$3
case "$kind" in lib) root="libs/$name" ;; app|sim) root="apps/$name" ;; tool) root="tools/$name" ;; *) echo "bad kind" >&2; exit 2 ;; esac
mkdir -p "$root/src"
tagjson=$(printf '%s' "$tags" | awk -F, '{for(i=1;i<=NF;i++) printf "%s\"%s\"", (i>1?", ":""), $i}')
cfg=$([ "$kind" = lib ] && echo tsconfig.lib.json || echo tsconfig.app.json)
if [ "$kind" = lib ]; then
cat > "$root/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "../../node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$root/src",
  "projectType": "library",
  "tags": [$tagjson],
  "targets": { "typecheck": {} }
}
JSON
else
cat > "$root/project.json" <<JSON
{
  "name": "$name",
  "\$schema": "../../node_modules/nx/schemas/project-schema.json",
  "sourceRoot": "$root/src",
  "projectType": "application",
  "tags": [$tagjson],
  "targets": {
    "typecheck": {},
    "build": {}
  }
}
JSON
fi
cat > "$root/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "files": [],
  "include": [],
  "references": [{ "path": "./$cfg" }, { "path": "./tsconfig.spec.json" }]
}
JSON
cat > "$root/$cfg" <<JSON
{
  "extends": "./tsconfig.json",
  "compilerOptions": { "outDir": "../../dist/out-tsc", "types": ["node"] },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.spec.ts", "jest.config.cjs"]
}
JSON
cat > "$root/tsconfig.spec.json" <<JSON
{
  "extends": "./tsconfig.json",
  "compilerOptions": { "outDir": "../../dist/out-tsc", "types": ["jest", "node"], "isolatedModules": true },
  "include": ["src/**/*.ts"]
}
JSON
cat > "$root/jest.config.cjs" <<JS
module.exports = {
  displayName: '$name',
  preset: '../../jest.preset.js',
  coverageDirectory: '../../coverage/$root',
};
JS
[ -f "$root/src/index.ts" ] || [ "$kind" != lib ] || echo "export {};" > "$root/src/index.ts"
echo "created $root"
