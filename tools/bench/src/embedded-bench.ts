import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundlePath, WORKSPACE_ROOT } from '@linebacker/testing';
import { Poster, requestBody } from './http-load';
import { cpuSeconds, rssMb } from './proc-stats';
import { hundredths, tenths } from './rounds';
import { summarize, type LatencySummary } from '@linebacker/testing';

/** What `bench embedded` measured in one run of the README's first command. */
export interface EmbeddedBenchResult {
  at: string;
  command: string;
  batch: number;
  clients: number;
  replyDelayMs: number;
  /** 202s per second while posting. */
  intakePerSecond: number;
  intakeLatencyMs: LatencySummary;
  errors: number;
  /** The answers other than 202, by status (absent in results before 6 December). */
  errorStatuses?: Record<string, number>;
  /** Terminal requests per second, from the first POST to the last terminal one. */
  completedPerSecond: number;
  secondsToAllTerminal: number;
  /** CPU of the embedded process (every service, PGlite, simulators) per completed request. */
  cpuMsPerRequest: number;
  peakRssMb: number;
}

interface HealthCounts {
  requests: Record<string, number> | null;
}

const TERMINAL = ['Succeeded', 'Failed', 'NotAllowed'];

/**
 * Runs `dist/apps/embedded/main.js` as `npm start` does, posts `batch` requests from `clients`
 * concurrent clients, then polls healthz until every one is terminal. Each run starts on a
 * fresh in-memory database, so the counts are this batch's own.
 */
export async function runEmbeddedBench(options: {
  batch: number;
  clients: number;
  replyDelayMs: number;
  output: string;
  log(text: string): void;
}): Promise<EmbeddedBenchResult> {
  const child = spawn(process.execPath, [bundlePath('embedded')], {
    env: {
      ...process.env,
      LINEBACKER_HTTP_PORT: '0',
      LINEBACKER_SIM_REPLY_DELAY_MS: String(options.replyDelayMs),
      // healthz is polled to see the last request end: every call must probe afresh.
      LINEBACKER_HEALTH_CACHE_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    // The banner names the API first, then the operator listener (healthz).
    const [api, operator] = await new Promise<[string, string]>((resolve, reject) => {
      if (!child.stdout) return reject(new Error('no stdout'));
      let apiAddress = '';
      createInterface({ input: child.stdout }).on('line', (line) => {
        const found = /API\s+(http:\/\/\S+)\/api\/backup-requests/.exec(line);
        if (found?.[1]) apiAddress = found[1];
        const health = /health\s+(http:\/\/\S+)\/api\/zpages\/healthz/.exec(line);
        if (health?.[1]) resolve([apiAddress, health[1]]);
      });
      child.once('exit', (code) => reject(new Error(`embedded exited ${String(code)}`)));
    });
    const pid = child.pid ?? 0;
    const poster = new Poster(`${api}/api/backup-requests`, options.clients);
    const cpuBefore = cpuSeconds(pid) ?? 0;
    const start = performance.now();
    const latencies: number[] = [];
    const errorStatuses: Record<string, number> = {};
    let errors = 0;
    let next = 0;
    const client = async (): Promise<void> => {
      while (next < options.batch) {
        const sentAt = performance.now();
        const answer = await poster.post(requestBody(next++, 'embedded'));
        if (answer.status === 202) latencies.push(performance.now() - sentAt);
        else {
          errors += 1;
          errorStatuses[answer.status] = (errorStatuses[answer.status] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: options.clients }, client));
    const intakeSeconds = (performance.now() - start) / 1000;
    // 429s mean the receiver's per-client rate limit (LINEBACKER_HTTP_RATE_LIMIT_PER_MINUTE,
    // 6,000 by default): one address posting faster than that is refused, as it would be.
    options.log(
      `posted ${options.batch} in ${intakeSeconds.toFixed(1)} s, ${errors} errors` +
        (errors > 0 ? ` by status ${JSON.stringify(errorStatuses)}` : ''),
    );
    poster.close();
    for (;;) {
      const health = (await (await fetch(`${operator}/api/zpages/healthz`)).json()) as HealthCounts;
      const terminal = TERMINAL.reduce((sum, s) => sum + (health.requests?.[s] ?? 0), 0);
      if (terminal >= latencies.length) break;
      await sleep(100);
    }
    const seconds = (performance.now() - start) / 1000;
    const cpuMs = ((cpuSeconds(pid) ?? cpuBefore) - cpuBefore) * 1000;
    const result: EmbeddedBenchResult = {
      at: new Date().toISOString(),
      command: ['npm run bench:embedded --', ...process.argv.slice(3)].join(' '),
      batch: options.batch,
      clients: options.clients,
      replyDelayMs: options.replyDelayMs,
      intakePerSecond: tenths(latencies.length / intakeSeconds),
      intakeLatencyMs: summarize(latencies),
      errors,
      errorStatuses,
      completedPerSecond: tenths(latencies.length / seconds),
      secondsToAllTerminal: tenths(seconds),
      cpuMsPerRequest: hundredths(cpuMs / Math.max(1, latencies.length)),
      peakRssMb: rssMb(pid) ?? 0,
    };
    const output = resolve(WORKSPACE_ROOT, options.output);
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(output, `${JSON.stringify(result, null, 2)}\n`);
    options.log(`result written to ${output}`);
    return result;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}
