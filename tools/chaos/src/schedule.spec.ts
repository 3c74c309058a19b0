import {
  CLUSTER_FAULT_KINDS,
  CLUSTER_NET_TICK_SECONDS,
  CLUSTER_RUN_KINDS,
  FAULT_KINDS,
  FAULT_RESOURCE,
  missingKinds,
  parseFaultKinds,
  planSchedule,
} from './schedule';
import { seededRandom } from './prng';

const options = {
  seed: 42,
  kinds: FAULT_KINDS,
  windowMs: 120_000,
  intervalMs: [2000, 5000] as const,
};

describe('the nemesis schedule', () => {
  it('is the same for the same seed', () => {
    expect(planSchedule(options)).toEqual(planSchedule({ ...options }));
    expect(planSchedule(options).length).toBeGreaterThan(15);
  });

  it('differs for another seed', () => {
    expect(planSchedule({ ...options, seed: 43 })).not.toEqual(planSchedule(options));
  });

  it('uses only the chosen kinds, inside the window, in time order', () => {
    const schedule = planSchedule({ ...options, kinds: ['kill', 'db-restart'] });
    expect(new Set(schedule.map((f) => f.kind))).toEqual(new Set(['kill', 'db-restart']));
    expect(schedule.every((f) => f.atMs >= 0 && f.atMs < options.windowMs)).toBe(true);
    expect(schedule.map((f) => f.atMs)).toEqual(
      [...schedule.map((f) => f.atMs)].sort((a, b) => a - b),
    );
  });

  it('never overlaps two faults on one broker, database, job service or interface', () => {
    const schedule = planSchedule(options);
    for (const [i, a] of schedule.entries()) {
      for (const b of schedule.slice(i + 1)) {
        if (
          FAULT_RESOURCE[a.kind] === 'process' ||
          FAULT_RESOURCE[a.kind] !== FAULT_RESOURCE[b.kind]
        )
          continue;
        expect(b.atMs).toBeGreaterThanOrEqual(a.atMs + a.durationMs);
      }
    }
  });

  it('deals every kind once before drawing at random when asked to cover them', () => {
    const short = { ...options, windowMs: 60_000, intervalMs: [1000, 2000] as const };
    // Drawn at random, 60 s of faults miss some kind for most seeds; dealt, none is missed.
    const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
    const missedAtRandom = seeds.filter(
      (seed) => missingKinds(planSchedule({ ...short, seed }), FAULT_KINDS).length > 0,
    );
    expect(missedAtRandom.length).toBeGreaterThan(0);
    for (const seed of seeds) {
      const schedule = planSchedule({ ...short, seed, coverKinds: true });
      expect({ seed, missing: missingKinds(schedule, FAULT_KINDS) }).toEqual({
        seed,
        missing: [],
      });
    }
  });

  it('tells which kinds a schedule misses when the window is too short for them', () => {
    const schedule = planSchedule({ ...options, windowMs: 5000, coverKinds: true });
    expect(missingKinds(schedule, FAULT_KINDS).length).toBeGreaterThan(0);
    expect(
      missingKinds(schedule, FAULT_KINDS).length + new Set(schedule.map((f) => f.kind)).size,
    ).toBe(FAULT_KINDS.length);
  });

  it('is empty without fault kinds', () => {
    expect(planSchedule({ ...options, kinds: [] })).toEqual([]);
  });

  it('parses kind lists and rejects unknown kinds', () => {
    expect(parseFaultKinds('all')).toEqual([...FAULT_KINDS]);
    expect(parseFaultKinds('kill, db-restart')).toEqual(['kill', 'db-restart']);
    expect(() => parseFaultKinds('kill,meteor')).toThrow(/unknown fault kind\(s\).*: meteor/);
  });

  it('knows node faults only in cluster mode, the single-node kill only outside it', () => {
    expect(parseFaultKinds('all', true)).toEqual(CLUSTER_RUN_KINDS);
    expect(parseFaultKinds('all', true)).toEqual(expect.arrayContaining([...CLUSTER_FAULT_KINDS]));
    expect(parseFaultKinds('all', true)).not.toContain('broker-kill');
    expect(() => parseFaultKinds('node-kill')).toThrow(/node faults need --cluster/);
    expect(() => parseFaultKinds('broker-kill', true)).toThrow(/with --cluster: broker-kill/);
  });

  it('puts every node fault on the broker, so at most one node is down at a time', () => {
    const schedule = planSchedule({ ...options, kinds: CLUSTER_RUN_KINDS, coverKinds: true });
    expect(missingKinds(schedule, CLUSTER_RUN_KINDS)).toEqual([]);
    const nodeFaults = schedule.filter((f) =>
      (CLUSTER_FAULT_KINDS as readonly string[]).includes(f.kind),
    );
    for (const [i, a] of nodeFaults.entries()) {
      const b = nodeFaults[i + 1];
      if (b) expect(b.atMs).toBeGreaterThanOrEqual(a.atMs + a.durationMs);
    }
    // A pause outlasts the longest a peer may take to declare the node down (1.25 ticks).
    for (const pause of schedule.filter((f) => f.kind === 'node-pause'))
      expect(pause.durationMs).toBeGreaterThan(CLUSTER_NET_TICK_SECONDS * 1250);
  });
});

describe('the seeded random source', () => {
  it('replays its sequence from a seed and stays in range', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const draws = Array.from({ length: 100 }, () => a.int(1, 6));
    expect(Array.from({ length: 100 }, () => b.int(1, 6))).toEqual(draws);
    expect(new Set(draws)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
  });
});
