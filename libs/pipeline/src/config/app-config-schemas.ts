import type { ConfigKey, ConfigSchema } from '@linebacker/runtime';
import { callbackDeliveryConfigSchema } from '@linebacker/callbacks';
import { receiverConfigSchema } from '../http/receiver-config';
import { recoveryConfigSchema } from '../workers/recovery.worker';
import { retentionConfigSchema } from '../workers/retention.schedule';
import { sendConfigSchema } from '../workers/send-to-interface.worker';
import { interfaceConfigSchema } from './interface.config';
import {
  jobServiceConfigSchema,
  pipelineConfigSchema,
  type PipelineConfig,
} from './pipeline.config';

/*
 * Each deployable app's complete schema, in one place, so the app's `main.ts`, the Compose
 * validator and the operations documentation read the very same keys and defaults.
 */

/** check-allowed: the shared keys plus the backup job service client. */
export const checkAllowedConfigSchema = {
  ...pipelineConfigSchema(9101),
  ...jobServiceConfigSchema,
};

/** send-to-interface: the shared keys, the backup interface connection and the send claim. */
export const sendToInterfaceConfigSchema = {
  ...pipelineConfigSchema(9102),
  ...interfaceConfigSchema,
  ...sendConfigSchema,
};

/** interface-receiver: the shared keys plus the backup interface connection. */
export const interfaceReceiverConfigSchema = {
  ...pipelineConfigSchema(9103),
  ...interfaceConfigSchema,
};

/** receive-status: the shared keys plus the backup job service client. */
export const receiveStatusConfigSchema = {
  ...pipelineConfigSchema(9104),
  ...jobServiceConfigSchema,
};

/** notifier: the shared keys plus the callbacks' policy, keys and bounds. */
export const notifierConfigSchema = {
  ...pipelineConfigSchema(9105),
  ...callbackDeliveryConfigSchema,
};

/** recovery: the shared keys plus its sweep and retention settings. */
export const recoveryAppConfigSchema = {
  ...pipelineConfigSchema(9106),
  ...recoveryConfigSchema,
  ...retentionConfigSchema,
};

/** What the one-shot `migrate` app reads. */
export type MigrateConfig = Pick<
  PipelineConfig,
  | 'databaseUrl'
  | 'dbConnectTimeoutMs'
  | 'dbStatementTimeoutMs'
  | 'startupAttempts'
  | 'logLevel'
  | 'instanceId'
>;

const shared = pipelineConfigSchema(0);

/** migrate: only the database keys (it touches nothing else). */
export const migrateConfigSchema: ConfigSchema<MigrateConfig> = {
  databaseUrl: shared.databaseUrl,
  dbConnectTimeoutMs: shared.dbConnectTimeoutMs,
  dbStatementTimeoutMs: shared.dbStatementTimeoutMs,
  startupAttempts: shared.startupAttempts,
  logLevel: shared.logLevel,
  instanceId: shared.instanceId,
};

/** Any app's schema, seen as its keys (for tools that read schemas rather than apply them). */
export type AnyConfigSchema = Readonly<Record<string, ConfigKey<unknown>>>;

/** Every production app by name (the name of its Nx project and of its bundle folder). */
export const APP_CONFIG_SCHEMAS: Readonly<Record<string, AnyConfigSchema>> = {
  migrate: migrateConfigSchema,
  'http-receiver': receiverConfigSchema,
  'check-allowed': checkAllowedConfigSchema,
  'send-to-interface': sendToInterfaceConfigSchema,
  'interface-receiver': interfaceReceiverConfigSchema,
  'receive-status': receiveStatusConfigSchema,
  notifier: notifierConfigSchema,
  recovery: recoveryAppConfigSchema,
};
