import { deriveRandom, type Random } from './prng';

/** Erlang net tick time of a private cluster, s: a node paused longer is declared down. */
export const CLUSTER_NET_TICK_SECONDS = 10;

/** Every fault the nemesis can inject on a single broker node (each selectable by name). */
export const FAULT_KINDS = [
  'kill',
  'kill-send',
  'term',
  'broker-connections',
  'broker-restart',
  'broker-kill',
  'db-restart',
  'db-terminate',
  'jobs-error',
  'jobs-slow',
  'jobs-down',
  'interface-down',
  'interface-slow',
  'replies',
] as const;

/**
 * Faults on one node of a private cluster (`--cluster N`), one node at a time, each healed
 * (the node booted again or resumed, the cluster whole) before the next: kill -9 of a node,
 * a graceful stop, kill -9 of the node leading the busiest quorum queue, and a SIGSTOP
 * longer than the net tick time (the others declare it down; autoheal restarts it into the cluster).
 */
export const CLUSTER_FAULT_KINDS = [
  'node-kill',
  'node-stop',
  'node-kill-leader',
  'node-pause',
] as const;

/** Single-node broker faults a cluster run leaves out (it has node faults instead). */
const SINGLE_NODE_ONLY = ['broker-restart', 'broker-kill'] as const;

/** Every kind a cluster run may inject: `all` in cluster mode. */
export const CLUSTER_RUN_KINDS = [
  ...FAULT_KINDS.filter((k) => !(SINGLE_NODE_ONLY as readonly string[]).includes(k)),
  ...CLUSTER_FAULT_KINDS,
];

/** One kind of fault. */
export type FaultKind = (typeof FAULT_KINDS)[number] | (typeof CLUSTER_FAULT_KINDS)[number];

/** How long a paused node stays paused: past the net tick time (at most 1.25 of it), ms. */
export const NODE_PAUSE_MS: readonly [number, number] = [
  CLUSTER_NET_TICK_SECONDS * 1000 * 1.25 + 3000,
  CLUSTER_NET_TICK_SECONDS * 1000 * 1.25 + 7000,
];

/** What a fault acts on: two faults on one resource never overlap. */
export type FaultResource = 'process' | 'broker' | 'database' | 'jobs' | 'interface' | 'replies';

/** The resource each kind acts on. */
export const FAULT_RESOURCE: Readonly<Record<FaultKind, FaultResource>> = {
  kill: 'process',
  'kill-send': 'process',
  term: 'process',
  'broker-connections': 'broker',
  'broker-restart': 'broker',
  'broker-kill': 'broker',
  'db-restart': 'database',
  'db-terminate': 'database',
  'jobs-error': 'jobs',
  'jobs-slow': 'jobs',
  'jobs-down': 'jobs',
  'interface-down': 'interface',
  'interface-slow': 'interface',
  replies: 'replies',
  // One resource for the whole cluster: never two nodes down or paused at once.
  'node-kill': 'broker',
  'node-stop': 'broker',
  'node-kill-leader': 'broker',
  'node-pause': 'broker',
};

/** Kinds that last a while before they heal; the others are instantaneous. */
const DURATION_MS: Partial<Record<FaultKind, readonly [number, number]>> = {
  'broker-restart': [2000, 6000],
  'broker-kill': [1000, 4000],
  'db-restart': [1000, 5000],
  'jobs-error': [2000, 8000],
  'jobs-slow': [2000, 8000],
  'jobs-down': [2000, 6000],
  'interface-down': [2000, 8000],
  'interface-slow': [3000, 8000],
  // How long a node stays down before it is booted again.
  'node-kill': [1000, 4000],
  'node-stop': [1000, 4000],
  'node-kill-leader': [1000, 4000],
  'node-pause': NODE_PAUSE_MS,
};

/** One planned fault. */
export interface PlannedFault {
  /** Milliseconds after the nemesis starts. */
  atMs: number;
  kind: FaultKind;
  /** 0 for instantaneous faults. */
  durationMs: number;
  /** In [0, 1): picks the target among the candidates running at that moment. */
  pick: number;
}

/** How to plan a schedule. */
export interface ScheduleOptions {
  seed: number;
  kinds: readonly FaultKind[];
  /** Faults are planned from 0 up to this time. */
  windowMs: number;
  /** Gap between consecutive fault starts, drawn uniformly from this range. */
  intervalMs: readonly [number, number];
  /**
   * Deal every kind once (in a seeded order) before drawing at random, so that a short run
   * still tries each kind; a kind whose resource stays busy past the window is then missing,
   * which `missingKinds` tells.
   */
  coverKinds?: boolean;
}

/**
 * The nemesis's schedule, a pure function of its options: the same seed always gives the same
 * faults at the same offsets. A fault on a resource still busy with an earlier fault is
 * pushed back until that one has healed (plus a second), so faults combine across
 * resources but never stack on one.
 */
export function planSchedule(options: ScheduleOptions): PlannedFault[] {
  if (options.kinds.length === 0) return [];
  const random = deriveRandom(options.seed, 'nemesis');
  const busyUntil = new Map<FaultResource, number>();
  const faults: PlannedFault[] = [];
  const [minGap, maxGap] = options.intervalMs;
  const deck = options.coverKinds ? shuffled([...new Set(options.kinds)], random) : [];
  for (let at = random.int(minGap, maxGap); at < options.windowMs;) {
    const kind = deck.shift() ?? random.pick(options.kinds);
    const range = DURATION_MS[kind];
    const durationMs = range ? random.int(range[0], range[1]) : 0;
    const pick = random.next();
    const resource = FAULT_RESOURCE[kind];
    const start = Math.max(at, busyUntil.get(resource) ?? 0);
    if (start < options.windowMs) {
      faults.push({ atMs: start, kind, durationMs, pick });
      if (resource !== 'process') busyUntil.set(resource, start + durationMs + 1000);
    }
    at += random.int(minGap, maxGap);
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

/** The chosen kinds the schedule never injects (empty when it covers them all). */
export function missingKinds(
  schedule: readonly PlannedFault[],
  kinds: readonly FaultKind[],
): FaultKind[] {
  const planned = new Set(schedule.map((fault) => fault.kind));
  return kinds.filter((kind) => !planned.has(kind));
}

/** A seeded Fisher-Yates shuffle. */
function shuffled<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Parses a comma-separated list of kinds (`all` for every kind of the mode): node faults
 * only with `cluster`, the single node's restart and kill only without.
 */
export function parseFaultKinds(text: string, cluster = false): FaultKind[] {
  const known: readonly string[] = cluster ? CLUSTER_RUN_KINDS : FAULT_KINDS;
  if (text.trim() === 'all') return [...known] as FaultKind[];
  if (text.trim() === 'none' || text.trim() === '') return [];
  const kinds = text.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    const mode = cluster ? 'with --cluster' : 'on a single node (node faults need --cluster)';
    throw new Error(
      `unknown fault kind(s) ${mode}: ${unknown.join(', ')} (known: ${known.join(', ')})`,
    );
  }
  return kinds as FaultKind[];
}
