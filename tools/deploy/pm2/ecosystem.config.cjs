// linebacker under PM2: every app its own process, configured by the LINEBACKER_* variables
// of the environment `pm2 start` runs in (docs/operations.md). Apply the migrations first:
//   node dist/apps/migrate/main.js && pm2 start tools/deploy/pm2/ecosystem.config.cjs
// LINEBACKER_PM2_* variables shape the process layout and are read here only.
'use strict';
const path = require('node:path');

const env = process.env;
const number = (name, fallback) => {
  const value = Number(env[name] || fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};

/** Where the built bundles are (`npx nx run-many -t build`). */
const dist = path.resolve(
  env.LINEBACKER_PM2_DIST || path.join(__dirname, '..', '..', '..', 'dist', 'apps'),
);
const workerInstances = number('LINEBACKER_PM2_WORKER_INSTANCES', 2);
const receiverInstances = number('LINEBACKER_PM2_RECEIVER_INSTANCES', 2);
/**
 * The receiver's operator listener is on the base port; worker k (1-based, pipeline order)
 * serves health/metrics on base + 10k + instance index.
 */
const healthPortBase = number('LINEBACKER_PM2_HEALTH_PORT_BASE', 9100);
const withSimulators = /^(1|true|yes|on)$/i.test(env.LINEBACKER_PM2_SIMULATORS || '');
// PM2 stops a process with SIGINT (its daemon-wide PM2_KILL_SIGNAL), which the apps treat
// like SIGTERM; runService exits at most 2 s after the stop deadline, so PM2 must not
// SIGKILL earlier.
const killTimeoutMs = number('LINEBACKER_STOP_DEADLINE_MS', 10000) + 5000;

/**
 * The apps and the variables each app's config schema reads (generated from the code:
 * `node dist/tools/deploy/main.js pm2-apps`), so an app gets only its own settings and
 * secrets from the shell's environment.
 */
const apps = require('./apps.json');
const envFor = (name) =>
  Object.fromEntries(
    Object.entries(env).filter(([variable]) => (apps.variables[name] || []).includes(variable)),
  );

const common = {
  exec_mode: 'fork',
  // PM2 marks an instance online (and `pm2 start`/`reload` move on) when it sent 'ready'
  // (its consumers are attached), or when listen_timeout passes without it. A start-up that
  // fails (dependencies unreachable after LINEBACKER_STARTUP_ATTEMPTS) exits 1 and is retried.
  wait_ready: true,
  listen_timeout: 60000,
  kill_timeout: killTimeoutMs,
  autorestart: true,
  exp_backoff_restart_delay: 1000,
  // The apps already print one JSON object per line; PM2 stores the lines as they are (no
  // `time` prefix, no `log_type: 'json'` re-wrapping), one file per app for all its instances.
  merge_logs: true,
  time: false,
  node_args: ['--enable-source-maps', ...apps.nodeFlags],
};

const app = (name, extra = {}) => ({
  ...common,
  name,
  script: path.join(dist, name, 'main.js'),
  ...extra,
  env: { ...envFor(name), ...extra.env },
});

module.exports = {
  apps: [
    // Cluster mode: the instances share one HTTP port, and `pm2 reload http-receiver`
    // replaces them one at a time (each new one ready before the old one stops).
    // Its operator listener (healthz, metrics, OpenAPI) is on the base port itself; in cluster
    // mode the instances share it as they share the API port.
    app(apps.receiver, {
      exec_mode: 'cluster',
      instances: receiverInstances,
      env: { LINEBACKER_HEALTH_PORT: String(healthPortBase) },
    }),
    ...apps.workers.map((name, index) =>
      app(name, {
        instances: workerInstances,
        increment_var: 'LINEBACKER_HEALTH_PORT',
        env: { LINEBACKER_HEALTH_PORT: String(healthPortBase + 10 * (index + 1)) },
      }),
    ),
    ...(withSimulators ? apps.simulators.map((name) => app(name)) : []),
  ],
};
