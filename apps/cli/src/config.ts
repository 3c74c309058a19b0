import { hostname, userInfo } from 'node:os';
import { loadConfig, parse, type ConfigSchema } from '@linebacker/runtime';
import {
  interfaceConfigSchema,
  pipelineConfigSchema,
  retentionConfigSchema,
  type InterfaceConfig,
  type PipelineConfig,
  type RetentionSettings,
} from '@linebacker/pipeline';
import { CliError, EXIT } from './exit-codes';

/** The services' settings the CLI reads (the same LINEBACKER_* variables). */
export type CliConfig = PipelineConfig & InterfaceConfig & RetentionSettings;

/**
 * The pipeline's own schema, so queue names, retry levels and namespaces match the services
 * exactly; the two URLs are optional here and checked by the commands that need them.
 */
export const cliConfigSchema: ConfigSchema<CliConfig> = {
  ...pipelineConfigSchema(0),
  ...interfaceConfigSchema,
  ...retentionConfigSchema,
  interfaceAmqpUrl: {
    ...interfaceConfigSchema.interfaceAmqpUrl,
    doc: "the backup interface's RabbitMQ URL (its vhost: topology export --access, interface-replies)",
    default: '',
  },
  databaseUrl: {
    env: 'LINEBACKER_DATABASE_URL',
    doc: 'PostgreSQL URL (request show, stats, retention run)',
    default: '',
    secret: true,
    parse: parse.url('postgres', 'postgresql'),
  },
  amqpUrl: {
    env: 'LINEBACKER_AMQP_URL',
    doc: "RabbitMQ URL, or a cluster's comma-separated node URLs, for linebacker's own events (dlq, recovery, stats)",
    default: '',
    secret: true,
    parse: parse.urlList('amqp', 'amqps'),
  },
};

/** Validates the environment (every problem at once; a ConfigError means exit 2). */
export function loadCliConfig(env: Readonly<Record<string, string | undefined>>): CliConfig {
  return loadConfig(cliConfigSchema, env);
}

/** The setting's value, or a usage error naming the variable. */
export function required(value: string, variable: string): string {
  if (!value) throw new CliError(EXIT.usage, `${variable} is required for this command`);
  return value;
}

/** Who runs the command, for audit lines: --operator, else $USER, else the OS user. */
export function operatorName(
  given: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (given) return given;
  if (env['USER']) return env['USER'];
  try {
    return userInfo().username;
  } catch {
    return `unknown@${hostname()}`;
  }
}
