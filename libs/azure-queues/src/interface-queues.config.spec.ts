import { ConfigError, loadConfig } from '@linebacker/runtime';
import {
  interfaceAzureEncodingConfigSchema,
  interfaceQueuesConfigSchema,
  validateInterfaceQueuesConfig,
} from './interface-queues.config';

const load = (env: Record<string, string>) => loadConfig(interfaceQueuesConfigSchema, env);

/** The problems validateInterfaceQueuesConfig reports for `env`, as one text. */
function problemsOf(env: Record<string, string>): string {
  try {
    validateInterfaceQueuesConfig(load(env));
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
}

describe('the interface queue keys', () => {
  it("default to AMQP and to the interface's Azure queue names", () => {
    expect(load({})).toMatchObject({
      interfaceTransport: 'amqp',
      interfaceAzureRequestQueue: 'backup-interface-requests',
      interfaceAzureReplyQueue: 'backup-interface-replies',
    });
    expect(loadConfig(interfaceAzureEncodingConfigSchema, {})).toEqual({
      interfaceAzureEncoding: 'base64',
    });
  });

  it('refuse a transport or an encoding outside their lists', () => {
    expect(() => load({ LINEBACKER_INTERFACE_TRANSPORT: 'azure' })).toThrow(
      /LINEBACKER_INTERFACE_TRANSPORT="azure": .*amqp, azure-queue/,
    );
    expect(() =>
      loadConfig(interfaceAzureEncodingConfigSchema, {
        LINEBACKER_INTERFACE_AZURE_ENCODING: 'utf8',
      }),
    ).toThrow(/LINEBACKER_INTERFACE_AZURE_ENCODING="utf8": .*base64, text/);
  });
});

describe('validateInterfaceQueuesConfig', () => {
  it('asks nothing of the account over AMQP', () => {
    expect(problemsOf({})).toBe('');
  });

  it('requires the account keys, complete, on Azure', () => {
    expect(problemsOf({ LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue' })).toMatch(
      /LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING \(or _FILE\), or LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL with a credential, is required/,
    );
    expect(
      problemsOf({
        LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
        LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: 'https://acct.queue.core.windows.net',
      }),
    ).toMatch(/LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL needs exactly one credential/);
    expect(
      problemsOf({
        LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
        LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING: 'AccountName=a;AccountKey=b',
      }),
    ).toBe('');
  });
});
