import { loadConfig } from '@linebacker/runtime';
import { interfaceSimulatorConfigSchema, SIMULATOR_CONFIG_SCHEMAS } from './simulator-config';

describe('interfaceSimulatorConfigSchema', () => {
  it("reads the interface's queue keys as the pipeline does, beside its own", () => {
    const config = loadConfig(interfaceSimulatorConfigSchema, {
      LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
      LINEBACKER_INTERFACE_AZURE_REQUEST_QUEUE: 'sim-requests',
      LINEBACKER_INTERFACE_AZURE_ENCODING: 'text',
    });
    expect(config).toMatchObject({
      interfaceTransport: 'azure-queue',
      interfaceAzureRequestQueue: 'sim-requests',
      interfaceAzureReplyQueue: 'backup-interface-replies',
      interfaceAzureEncoding: 'text',
      // The simulator's own defaults: a local broker, unlike the pipeline's required URL.
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
      requestQueue: 'backup-interface.requests',
      port: 8082,
    });
  });

  it.each(Object.entries(SIMULATOR_CONFIG_SCHEMAS))(
    '%s reads each variable through one property only',
    (_app, schema) => {
      const variables = Object.values(schema).map((key) => key.env);
      expect(variables).toEqual([...new Set(variables)]);
    },
  );
});
