#!/usr/bin/env node
// The image's HEALTHCHECK: asks the app LINEBACKER_APP names whether it is ready, on the port
// its own environment gives it. Exit 0 healthy, 1 not. Ports come from the environment only
// (the image sets them), so this script and the app can never disagree about a default.
'use strict';

const fail = (reason) => {
  process.stderr.write(`unhealthy: ${reason}\n`);
  process.exit(1);
};
const port = (name) => process.env[name] || fail(`${name} is not set`);

/** app name → readiness URL; every other pipeline app serves /readyz on its health port. */
const probes = {
  // The one-shot migration step has nothing to probe: it is done when it exits.
  migrate: () => undefined,
  'http-receiver': () => `http://127.0.0.1:${port('LINEBACKER_HTTP_PORT')}/api/zpages/readyz`,
  'sim-backup-job-service': () => `http://127.0.0.1:${port('LINEBACKER_SIM_JOBS_PORT')}/livez`,
  'sim-backup-interface': () => `http://127.0.0.1:${port('LINEBACKER_SIM_INTERFACE_PORT')}/livez`,
};
const app = process.env.LINEBACKER_APP || fail('LINEBACKER_APP is not set');
const url = (probes[app] ?? (() => `http://127.0.0.1:${port('LINEBACKER_HEALTH_PORT')}/readyz`))();
if (url === undefined) process.exit(0);
fetch(url, { signal: AbortSignal.timeout(4000) }).then(
  (response) => (response.ok ? process.exit(0) : fail(`${url} answered ${response.status}`)),
  (error) => fail(`${url}: ${error.cause?.code ?? error.message}`),
);
