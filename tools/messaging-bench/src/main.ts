// Throughput of the AMQP adapter beside raw amqplib, in one run on the same broker:
// confirmed publishing and consume+ack at prefetch 1/10/100, on classic and quorum queues.
// Prints a markdown table. Not a test: single runs swing ±25% on a shared machine, so each
// row is the median of BENCH_ROUNDS rounds (3) alternating which side goes first; read the
// CPU columns before trusting a difference.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type ConfirmChannel } from 'amqplib';
import {
  AmqpMessageBus,
  EnvelopeCodec,
  subscriptionQueueNames,
  type OutgoingMessage,
  type QueueType,
} from '@linebacker/messaging';

const URL = process.env['LINEBACKER_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672';
const COUNT = Number(process.env['BENCH_MESSAGES'] ?? 5000);
const PAYLOAD = {
  blob: randomBytes(Number(process.env['BENCH_PAYLOAD_BYTES'] ?? 700) / 2).toString('hex'),
};
const NS = process.env['BENCH_NAMESPACE'] ?? `bench_${randomBytes(3).toString('hex')}`;
const ROUNDS = Math.max(1, Number(process.env['BENCH_ROUNDS'] ?? 3));
/** Runs only the rows whose label (`classic publish`, `quorum consume p10`, ...) it matches. */
const ONLY = new RegExp(process.env['BENCH_ONLY'] ?? '');
const selected = (label: string) => ONLY.test(label);
// The services always validate payloads; so does the adapter here. Each queue type and
// prefetch has an event type of its own (its routing key), all with the same payload.
const TICK_SCHEMA = {
  type: 'object',
  required: ['blob'],
  properties: { blob: { type: 'string' } },
} as const;
const benchType = (queueType: QueueType, prefetch: number) => `bench.${queueType}.p${prefetch}`;
const PAYLOAD_SCHEMAS = Object.fromEntries(
  (['classic', 'quorum'] as const).flatMap((queueType) =>
    [1, 10, 100, 1000].map((prefetch) => [benchType(queueType, prefetch), TICK_SCHEMA]),
  ),
);
const codec = new EnvelopeCodec(PAYLOAD_SCHEMAS);
const rows: string[] = [];

const message = (n: number, type = benchType('classic', 1)): OutgoingMessage => ({
  messageId: `b-${n}`,
  type,
  correlationId: 'bench',
  payload: PAYLOAD,
});
const body = (n: number, type?: string) => codec.encode(codec.toEnvelope(message(n, type)));
const definition = (queueType: QueueType, prefetch: number, side = 'adapter') => ({
  app: 'bench',
  name: `${side}-${queueType}-p${prefetch}`,
  eventTypes: [benchType(queueType, prefetch)],
  prefetch,
  handlerTimeoutMs: 30_000,
  retry: { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 1000 },
});

/** CPU of this process and of the broker (beam.smp), as % of one core, over a run. */
function cpuMeter(): () => { node: number; broker: number } {
  const start = Date.now();
  const node0 = process.cpuUsage();
  const beam = brokerTicks();
  return () => {
    const ms = Date.now() - start;
    const used = process.cpuUsage(node0);
    const broker = beam === null ? NaN : (((brokerTicks() ?? beam) - beam) * 10 * 100) / ms;
    return { node: ((used.user + used.system) / 1000 / ms) * 100, broker };
  };
}

function brokerTicks(): number | null {
  try {
    // The oldest beam.smp is the broker; rabbitmqctl and friends run short-lived ones too.
    const pid = execFileSync('pgrep', ['-o', '-x', 'beam.smp']).toString().trim();
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]); // utime + stime, in 10 ms ticks
  } catch {
    return null;
  }
}

async function timed(
  label: string,
  run: () => Promise<void>,
): Promise<{ rate: number; cpu: string }> {
  const meter = cpuMeter();
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = meter();
  process.stderr.write(`${label}: ${Math.round(COUNT / seconds)} msg/s\n`);
  return { rate: COUNT / seconds, cpu: `${cpu.node.toFixed(0)}% / ${cpu.broker.toFixed(0)}%` };
}

/**
 * Raw confirmed publishing: to a queue through the default exchange, or (`exchange` given)
 * through that exchange with `routingKey`, as the adapter routes.
 */
async function rawPublish(
  channel: ConfirmChannel,
  queue: string,
  type: string,
  route?: { exchange: string; routingKey: string },
): Promise<void> {
  for (let n = 0; n < COUNT; n++) {
    const options = { persistent: true, mandatory: true };
    const ok = route
      ? channel.publish(route.exchange, route.routingKey, body(n, type), options)
      : channel.sendToQueue(queue, body(n, type), options);
    if (!ok) await new Promise((resolve) => channel.once('drain', resolve));
    if (n % 1000 === 999) await channel.waitForConfirms();
  }
  await channel.waitForConfirms();
}

async function rawConsume(queue: string, prefetch: number): Promise<void> {
  const connection = await connect(URL, { noDelay: true });
  const channel = await connection.createChannel();
  await channel.prefetch(prefetch);
  let seen = 0;
  await new Promise<void>((resolve) => {
    void channel.consume(queue, (m) => {
      if (!m) return;
      channel.ack(m);
      if (++seen === COUNT) resolve();
    });
  });
  await connection.close();
}

async function adapterConsume(queueType: QueueType, prefetch: number, admin: ConfirmChannel) {
  const bus = new AmqpMessageBus({
    url: URL,
    namespace: NS,
    queueType,
    payloadSchemas: PAYLOAD_SCHEMAS,
  });
  const def = definition(queueType, prefetch);
  await bus.declare([def]);
  await bus.start();
  await rawPublish(admin, subscriptionQueueNames(def, NS).main, benchType(queueType, prefetch));
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const result = await timed(`adapter consume ${queueType} p${prefetch}`, async () => {
    await bus.subscribe(def, async () => {
      if (++seen === COUNT) done();
      return 'ok';
    });
    await finished;
  });
  await bus.stop(2000);
  return { result, queues: (bus.exportDefinitions()['queues'] ?? []) as Array<{ name: string }> };
}

type Measured = { rate: number; cpu: string };

/** The run with the median rate (the lower middle one for an even count). */
const median = (runs: Measured[]): Measured =>
  [...runs].sort((a, b) => a.rate - b.rate)[Math.floor((runs.length - 1) / 2)] as Measured;

/**
 * Measures both sides ROUNDS times, alternating which goes first, and keeps each side's
 * median run: the broker's state after one side's run (queue files, memory) then weighs on
 * both sides alike, and one noisy run does not decide a row.
 */
async function alternate(
  rawRun: () => Promise<Measured>,
  adapterRun: () => Promise<Measured>,
): Promise<{ raw: Measured; adapter: Measured }> {
  const raws: Measured[] = [];
  const adapters: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      raws.push(await rawRun());
      adapters.push(await adapterRun());
    } else {
      adapters.push(await adapterRun());
      raws.push(await rawRun());
    }
  }
  return { raw: median(raws), adapter: median(adapters) };
}

async function benchQueueType(queueType: QueueType, admin: ConfirmChannel, cleanup: string[]) {
  // Like with like: raw amqplib publishes through the same topic exchange into the same
  // queue as the adapter, and consumes from queues the adapter declared (same arguments:
  // dead-letter routing, and for quorum the delivery limit and overflow policy), one per
  // prefetch, so the two columns differ only in the client code.
  const bus = new AmqpMessageBus({
    url: URL,
    namespace: NS,
    queueType,
    payloadSchemas: PAYLOAD_SCHEMAS,
  });
  const def = definition(queueType, 0 + 1000);
  const rawDefs = [1, 10, 100].map((prefetch) => definition(queueType, prefetch, 'raw'));
  await bus.declare([def, ...rawDefs]);
  await bus.start();
  const target = subscriptionQueueNames(def, NS).main;
  const route = { exchange: `${NS}.linebacker.events`, routingKey: def.eventTypes[0] ?? '' };
  const all = Array.from({ length: COUNT }, (_, n) => ({
    ...message(n),
    type: def.eventTypes[0] ?? '',
  }));
  /** Times one side's publishing, then empties the queue for the next round. */
  const publishing = (label: string, run: () => Promise<void>) => async () => {
    const measured = await timed(label, run);
    await admin.purgeQueue(target);
    return measured;
  };
  if (selected(`${queueType} publish`)) {
    const publish = await alternate(
      publishing(`raw publish ${queueType}`, () =>
        rawPublish(admin, target, route.routingKey, route),
      ),
      publishing(`adapter publishBatch ${queueType}`, async () => {
        for (let i = 0; i < all.length; i += 1000) await bus.publishBatch(all.slice(i, i + 1000));
      }),
    );
    row(queueType, 'confirmed publish (batches of 1000)', '-', publish.raw, publish.adapter);
  }
  await bus.stop(1000);
  cleanup.push(
    ...((bus.exportDefinitions()['queues'] ?? []) as Array<{ name: string }>).map((q) => q.name),
  );
  for (const prefetch of [1, 10, 100]) {
    if (!selected(`${queueType} consume p${prefetch}`)) continue;
    const raw = subscriptionQueueNames(definition(queueType, prefetch, 'raw'), NS).main;
    const consume = await alternate(
      async () => {
        await rawPublish(admin, raw, benchType(queueType, prefetch));
        return timed(`raw consume ${queueType} p${prefetch}`, () => rawConsume(raw, prefetch));
      },
      async () => {
        const adapter = await adapterConsume(queueType, prefetch, admin);
        cleanup.push(...adapter.queues.map((q) => q.name));
        return adapter.result;
      },
    );
    row(queueType, 'consume + ack', String(prefetch), consume.raw, consume.adapter);
  }
}

function row(
  queueType: string,
  scenario: string,
  prefetch: string,
  raw: { rate: number; cpu: string },
  adapter: { rate: number; cpu: string },
) {
  const ratio = (adapter.rate / raw.rate).toFixed(2);
  rows.push(
    `| ${queueType} | ${scenario} | ${prefetch} | ${Math.round(raw.rate)} | ${raw.cpu} | ${Math.round(adapter.rate)} | ${adapter.cpu} | ${ratio} |`,
  );
}

async function main(): Promise<void> {
  const connection = await connect(URL, { noDelay: true });
  const admin = await connection.createConfirmChannel();
  const cleanup: string[] = [];
  try {
    for (const queueType of ['classic', 'quorum'] as const)
      await benchQueueType(queueType, admin, cleanup);
  } finally {
    for (const queue of new Set(cleanup)) await admin.deleteQueue(queue).catch(() => undefined);
    await admin.deleteExchange(`${NS}.linebacker.events`).catch(() => undefined);
    await connection.close();
  }
  process.stdout.write(
    `\n${COUNT} messages of ~${JSON.stringify(PAYLOAD).length + 200} bytes, median of ${ROUNDS} rounds (alternating which side goes first), ${new Date().toISOString()}\n\n`,
  );
  process.stdout.write(
    '| queue | scenario | prefetch | raw amqplib msg/s | raw CPU node/broker | adapter msg/s | adapter CPU node/broker | adapter/raw |\n',
  );
  process.stdout.write('|---|---|---|---|---|---|---|---|\n');
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${String(error)}\n`);
  process.exit(1);
});
