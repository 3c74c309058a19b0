import { Command, CommanderError, Option } from 'commander';
import { loadCliConfig, operatorName, type CliConfig } from './config';
import { CliConnections } from './connections';
import { EXIT, toCliError } from './exit-codes';
import { printResult, type CliIo, type CommandResult } from './output';
import { resolveSubscription } from './subscription-arg';
import { terminalSafe, terminalSafeJson } from './terminal-safe';
import { showRequest } from './commands/request.command';
import { listDeadLetters, showDeadLetter } from './commands/dlq.command';
import { purgeDeadLetters, replayDeadLetters } from './commands/dlq-repair.command';
import { runRecovery } from './commands/recovery.command';
import { runRetention } from './commands/retention.command';
import { addTopologyCommands } from './commands/topology.cli';
import { pipelineStats } from './commands/stats.command';
import { listPoisonedReplies, replayPoisonedReplies } from './commands/interface-replies.command';

type Env = Readonly<Record<string, string | undefined>>;
type Run = (config: CliConfig, connections: CliConnections) => Promise<CommandResult>;

const EXIT_CODES_HELP = `
Exit codes: 0 ok, 1 operation failed, 2 usage error (also bad configuration),
            3 not found, 4 PostgreSQL or RabbitMQ unavailable.
Configuration: the services' LINEBACKER_* variables (LINEBACKER_DATABASE_URL,
LINEBACKER_AMQP_URL, LINEBACKER_NAMESPACE, LINEBACKER_QUEUE_TYPE, LINEBACKER_RETRY_*, ...).`;

const positiveInt = (raw: string): number => {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`not a positive integer: ${raw}`);
  return value;
};

/** The `linebacker` program; `run` returns the exit code instead of exiting. */
export function buildCli(io: CliIo, env: Env) {
  let exitCode: number = EXIT.ok;
  // Each action runs through here: config, connections, JSON or text, and the exit code.
  const execute = async (json: boolean | undefined, run: Run): Promise<void> => {
    let connections: CliConnections | undefined;
    try {
      const config = loadCliConfig(env);
      connections = new CliConnections(config);
      const result = await run(config, connections);
      printResult(io, result, Boolean(json));
      exitCode = result.exitCode ?? EXIT.ok;
    } catch (error) {
      const failure = toCliError(error);
      io.err(
        json
          ? `${terminalSafeJson(JSON.stringify({ error: { code: failure.code, message: failure.message }, exitCode: failure.exitCode }))}\n`
          : `linebacker: ${terminalSafe(failure.message)}\n`,
      );
      exitCode = failure.exitCode;
    } finally {
      await connections?.close();
    }
  };

  const program = new Command('linebacker')
    .description(
      'Operate a linebacker deployment: requests, dead letters, recovery, retention, topology, stats',
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);
  const json = () => new Option('--json', 'print machine-readable JSON');

  const request = program.command('request').description('inspect backup requests');
  request
    .command('show <id>')
    .description('status, full history (services, message ids) and the Backup of a request')
    .addOption(json())
    .action((id: string, o: { json?: boolean }) =>
      execute(o.json, async (_c, conn) => showRequest(await conn.db(), id)),
    );

  const dlq = program
    .command('dlq')
    .description('list, inspect, replay or purge the dead letters of a subscription')
    .addHelpText(
      'after',
      `\nSubscriptions: the services' queues without namespace, e.g.
  check-allowed.backup-request.received (or just check-allowed).`,
    );
  dlq
    .command('list <subscription>')
    .description('the oldest dead letters with id, message id, error code, reason and routing key')
    .addOption(new Option('--limit <n>', 'at most this many').argParser(positiveInt).default(50))
    .addOption(json())
    .action((sub: string, o: { json?: boolean; limit: number }) =>
      execute(o.json, async (c, conn) =>
        listDeadLetters(await conn.bus(), resolveSubscription(c, sub), o.limit),
      ),
    );
  dlq
    .command('show <subscription> <id>')
    .description('one dead letter (by dead-letter id or message id) with headers and body')
    .addOption(json())
    .action((sub: string, id: string, o: { json?: boolean }) =>
      execute(o.json, async (c, conn) =>
        showDeadLetter(await conn.bus(), resolveSubscription(c, sub), id),
      ),
    );
  const auditOptions = (cmd: Command) =>
    cmd
      .option('--operator <name>', 'who does this, for the audit line (default $USER)')
      .option('--audit-file <path>', 'append the audit line to this file instead of stderr');
  auditOptions(
    dlq
      .command('replay <subscription>')
      .description('move dead letters back to the subscription queue (attempt reset to 1)')
      .option('--id <id...>', 'dead-letter ids or message ids to replay')
      .option('--all', 'replay every dead letter of the subscription'),
  )
    .addOption(json())
    .action((sub: string, o: { json?: boolean; id?: string[]; all?: boolean } & AuditFlags) =>
      execute(o.json, async (c, conn) =>
        replayDeadLetters(
          await conn.bus(),
          resolveSubscription(c, sub),
          { ids: o.id, all: o.all },
          io,
          {
            operator: operatorName(o.operator, env),
            auditFile: o.auditFile,
            namespace: c.namespace,
          },
        ),
      ),
    );
  auditOptions(
    dlq
      .command('purge <subscription>')
      .description('delete every dead letter of the subscription (needs --yes)')
      .option('--yes', 'confirm: the messages are gone for good'),
  )
    .addOption(json())
    .action((sub: string, o: { json?: boolean; yes?: boolean } & AuditFlags) =>
      execute(o.json, async (c, conn) => {
        return purgeDeadLetters(() => conn.bus(), resolveSubscription(c, sub), Boolean(o.yes), io, {
          operator: operatorName(o.operator, env),
          auditFile: o.auditFile,
          namespace: c.namespace,
        });
      }),
    );

  const replies = program
    .command('interface-replies')
    .description(
      "the backup interface's poisoned replies (AMQP: <reply queue>.parked; Azure: <reply queue>-poison)",
    );
  replies
    .command('list')
    .description('the oldest poisoned replies with message id, error code, reason and body')
    .addOption(
      new Option('--limit <n>', 'at most this many (Azure: 32 at most)')
        .argParser(positiveInt)
        .default(32),
    )
    .addOption(json())
    .action((o: { json?: boolean; limit: number }) =>
      execute(o.json, (c, conn) => listPoisonedReplies(c, conn, o.limit)),
    );
  auditOptions(
    replies
      .command('replay')
      .description('put poisoned replies back on the reply queue, as the interface sent them')
      .option('--id <id...>', 'message ids or poison ids to replay')
      .option('--all', 'replay every poisoned reply'),
  )
    .addOption(json())
    .action((o: { json?: boolean; id?: string[]; all?: boolean } & AuditFlags) =>
      execute(o.json, (c, conn) =>
        replayPoisonedReplies(c, conn, { ids: o.id, all: o.all }, io, {
          operator: operatorName(o.operator, env),
          auditFile: o.auditFile,
          namespace: c.namespace,
        }),
      ),
    );

  program
    .command('recovery')
    .description('recovery operations')
    .command('run')
    .description('trigger a recovery sweep now (publishes recovery.requested)')
    .option('--operator <name>', 'who asks (default $USER)')
    .addOption(json())
    .action((o: { json?: boolean; operator?: string }) =>
      execute(o.json, async (_c, conn) =>
        runRecovery(await conn.bus(), operatorName(o.operator, env)),
      ),
    );

  auditOptions(
    program
      .command('retention')
      .description('remove what the retention windows say is due (LINEBACKER_RETENTION_*)')
      .command('run')
      .description(
        'one retention run now: terminal requests past their window with their history, ' +
          'expired Idempotency-Keys, due Backups marked deleted',
      )
      .option('--dry-run', 'count what would go, change nothing'),
  )
    .addOption(json())
    .action((o: { json?: boolean; dryRun?: boolean } & AuditFlags) =>
      execute(o.json, async (c, conn) =>
        runRetention((await conn.db()).retention, c, Boolean(o.dryRun), io, {
          operator: operatorName(o.operator, env),
          auditFile: o.auditFile,
          namespace: c.namespace,
        }),
      ),
    );

  addTopologyCommands(program, execute);

  program
    .command('stats')
    .description('queue depths, consumers, dead letters, outbox backlog, requests by status')
    .addOption(
      new Option('--timeout <ms>', 'bound of each probe').argParser(positiveInt).default(3000),
    )
    .addOption(json())
    .action((o: { json?: boolean; timeout: number }) =>
      execute(o.json, (c, conn) => pipelineStats(c, conn, o.timeout)),
    );

  /** Parses and runs `argv` (without node and script); resolves with the exit code. */
  const run = async (argv: readonly string[]): Promise<number> => {
    try {
      await program.parseAsync(argv, { from: 'user' });
      return exitCode;
    } catch (error) {
      if (!(error instanceof CommanderError)) throw error;
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
  };
  return { program, run };
}

interface AuditFlags {
  operator?: string;
  auditFile?: string;
}
