import { Option, type Command } from 'commander';
import type { CliConfig } from '../config';
import type { CliConnections } from '../connections';
import type { CommandResult } from '../output';
import { applyTopology, exportTopology, type ExportOptions } from './topology.command';

/** How `buildCli` runs a command: configuration, connections, output and exit code. */
export type ExecuteCommand = (
  json: boolean | undefined,
  run: (config: CliConfig, connections: CliConnections) => Promise<CommandResult>,
) => Promise<void>;

/** Registers `topology export` and `topology apply` on the program. */
export function addTopologyCommands(program: Command, execute: ExecuteCommand): void {
  const json = () => new Option('--json', 'print machine-readable JSON');
  const topology = program.command('topology').description('broker topology');
  topology
    .command('export')
    .description('RabbitMQ definitions JSON of every exchange, queue and binding (no connection)')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--vhost <vhost>', 'vhost in the definitions (default: from LINEBACKER_AMQP_URL, or /)')
    .option(
      '--access',
      'also both vhosts and every per-app user’s permissions, for tools/security/provision-rabbitmq.sh',
    )
    .option(
      '--interface-vhost <vhost>',
      "with --access: the interface's vhost (default: from LINEBACKER_INTERFACE_AMQP_URL)",
    )
    .option('--user-prefix <prefix>', 'with --access: prefix of every user name', 'linebacker-')
    .addOption(json())
    .action((o: ExportOptions & { json?: boolean }) =>
      // The definitions are JSON either way; --json only changes the --out confirmation.
      execute(o.json || !o.out, async (c) => exportTopology(c, o)),
    );
  topology
    .command('apply')
    .description("declare every queue, binding and the events exchange (the operator's user)")
    .addOption(json())
    .action((o: { json?: boolean }) =>
      execute(o.json, async (c, conn) => applyTopology(await conn.bus(), c)),
    );
}
