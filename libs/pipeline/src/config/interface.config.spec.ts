import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '@linebacker/runtime';
import { interfaceConfigSchema, validateInterfaceConfig } from './interface.config';
import { pipelineConfigSchema } from './pipeline.config';

/** The problems loadConfig reports for `env`, as one text. */
function problemsOf(schema: Parameters<typeof loadConfig>[0], env: Record<string, string>) {
  try {
    loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  return '';
}

describe('LINEBACKER_INTERFACE_AMQP_URL', () => {
  it("takes a cluster's node list, trimmed, like LINEBACKER_AMQP_URL", () => {
    const config = loadConfig(interfaceConfigSchema, {
      LINEBACKER_INTERFACE_AMQP_URL:
        'amqp://lb@mq-1:5672/backup, amqp://lb@mq-2:5672/backup ,amqp://lb@mq-3:5672/backup',
    });
    expect(config.interfaceAmqpUrl).toBe(
      'amqp://lb@mq-1:5672/backup,amqp://lb@mq-2:5672/backup,amqp://lb@mq-3:5672/backup',
    );
  });

  it('still takes a single URL', () => {
    const config = loadConfig(interfaceConfigSchema, {
      LINEBACKER_INTERFACE_AMQP_URL: 'amqps://lb@interface.example.internal/backup',
    });
    expect(config.interfaceAmqpUrl).toBe('amqps://lb@interface.example.internal/backup');
  });

  it('names a bad entry by its position, without any password, as the events URL does', () => {
    const list = 'amqp://u:pw-planted-1@a:5701,http://u:pw-planted-2@b:5702';
    const interfaceProblems = problemsOf(interfaceConfigSchema, {
      LINEBACKER_INTERFACE_AMQP_URL: list,
    });
    expect(interfaceProblems).toContain(
      'LINEBACKER_INTERFACE_AMQP_URL="amqp://u:***@a:5701,http://u:***@b:5702/": entry 2: protocol must be one of amqp, amqps',
    );
    expect(interfaceProblems).not.toMatch(/pw-planted/);
    // One parser for both lists: the same list fails the same way under the events URL.
    const eventsProblems = problemsOf(
      { amqpUrl: pipelineConfigSchema(9100).amqpUrl },
      { LINEBACKER_AMQP_URL: list },
    );
    expect(eventsProblems.replace('LINEBACKER_AMQP_URL', 'X')).toBe(
      interfaceProblems.replace('LINEBACKER_INTERFACE_AMQP_URL', 'X'),
    );
  });

  it('rejects an empty entry', () => {
    expect(
      problemsOf(interfaceConfigSchema, { LINEBACKER_INTERFACE_AMQP_URL: 'amqp://a,,amqp://c' }),
    ).toMatch(/entry 2: empty/);
  });
});

describe('validateInterfaceConfig', () => {
  /** The problems of the interface keys taken together, as one text. */
  function problemsTogether(env: Record<string, string>): string {
    try {
      validateInterfaceConfig(loadConfig(interfaceConfigSchema, env));
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.join('\n');
      throw error;
    }
    return '';
  }

  it('requires the AMQP URL over AMQP, and only there', () => {
    expect(problemsTogether({})).toBe(
      'LINEBACKER_INTERFACE_AMQP_URL is required when LINEBACKER_INTERFACE_TRANSPORT=amqp',
    );
    expect(
      problemsTogether({
        LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue',
        LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING: 'AccountName=a;AccountKey=b',
      }),
    ).toBe('');
  });

  it('applies the shared account rules on Azure (tested in azure-queues)', () => {
    expect(problemsTogether({ LINEBACKER_INTERFACE_TRANSPORT: 'azure-queue' })).toMatch(
      /LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING .* is required when LINEBACKER_INTERFACE_TRANSPORT=azure-queue/,
    );
  });
});
