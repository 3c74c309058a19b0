import { AzureBackupInterface, AzureQueueConsumer } from '@linebacker/azure-queues';
import { AmqpBackupInterface, AmqpExternalQueueConsumer } from '@linebacker/messaging';
import { createLogger, createServiceMetrics, loadConfig } from '@linebacker/runtime';
import { sendToInterfaceConfigSchema } from '../config/app-config-schemas';
import { validateInterfaceConfig } from '../config/interface.config';
import { backupInterfaceFor, replyConsumerFor } from './interface-transport';

const base = {
  LINEBACKER_DATABASE_URL: 'postgres://u@127.0.0.1/db',
  LINEBACKER_AMQP_URL: 'amqp://127.0.0.1',
};
const AZURE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;';

function configFrom(env: Record<string, string>) {
  return loadConfig(sendToInterfaceConfigSchema, { ...base, ...env });
}

describe('the interface transport chosen by configuration', () => {
  const logger = createLogger({ service: 'test', level: 'error' });
  const metrics = createServiceMetrics('test');

  it('builds the AMQP adapters by default', () => {
    const config = configFrom({ LINEBACKER_INTERFACE_AMQP_URL: 'amqp://127.0.0.1' });
    expect(() => validateInterfaceConfig(config)).not.toThrow();
    expect(backupInterfaceFor(config, logger, metrics)).toBeInstanceOf(AmqpBackupInterface);
    const consumer = replyConsumerFor(config)(async () => undefined, {});
    expect(consumer).toBeInstanceOf(AmqpExternalQueueConsumer);
  });

  it('builds the Azure Storage Queue adapters for LINEBACKER_INTERFACE_TRANSPORT=azure-queue', () => {
    const config = configFrom({
      LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
      LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING: AZURE,
    });
    expect(() => validateInterfaceConfig(config)).not.toThrow();
    expect(backupInterfaceFor(config, logger, metrics)).toBeInstanceOf(AzureBackupInterface);
    const consumer = replyConsumerFor(config)(async () => undefined, {});
    expect(consumer).toBeInstanceOf(AzureQueueConsumer);
  });

  it("requires the chosen transport's connection, and only that one", () => {
    expect(() => validateInterfaceConfig(configFrom({}))).toThrow(
      /LINEBACKER_INTERFACE_AMQP_URL is required when LINEBACKER_INTERFACE_TRANSPORT=amqp/,
    );
    const azure = configFrom({ LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue' });
    expect(() => validateInterfaceConfig(azure)).toThrow(
      /LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING \(or _FILE\), or LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL with a credential, is required/,
    );
  });

  it('refuses an unknown transport', () => {
    expect(() => configFrom({ LINEBACKER_INTERFACE_TRANSPORT: 'sqs' })).toThrow(
      /LINEBACKER_INTERFACE_TRANSPORT="sqs": must be one of amqp, azure-queue/,
    );
  });
});
