import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@linebacker/testing';
import type { ChaosOptions } from '../run-chaos';

/** What the CI chaos runs share: a short, seeded run with its own output folder. */
export const ciRunOptions = (name: string): Omit<ChaosOptions, 'seed' | 'requests' | 'faults'> => ({
  ratePerSecond: 10,
  faultIntervalMs: [1500, 3500],
  instances: 2,
  drainTimeoutMs: 150_000,
  requestTimeoutMs: 15_000,
  outDir: join(WORKSPACE_ROOT, 'tmp', `chaos-${name}`),
  plant: 'none',
  log: (message) => console.log(`[chaos] ${message}`),
});
