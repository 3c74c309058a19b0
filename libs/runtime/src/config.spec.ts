import { ConfigError, describeConfig, loadConfig, parse, type ConfigSchema } from './config';

interface Sample {
  url: string;
  port: number;
  verbose: boolean;
  mode: 'a' | 'b';
}

const schema: ConfigSchema<Sample> = {
  url: { env: 'LINEBACKER_URL', doc: 'where', parse: parse.url('postgres') },
  port: { env: 'LINEBACKER_PORT', doc: 'port', default: 8080, parse: parse.integer(1, 65535) },
  verbose: { env: 'LINEBACKER_VERBOSE', doc: 'chatty', default: false, parse: parse.boolean },
  mode: { env: 'LINEBACKER_MODE', doc: 'mode', default: 'a', parse: parse.oneOf('a', 'b') },
};

describe('loadConfig', () => {
  it('applies defaults and parses values into a frozen object', () => {
    const config = loadConfig(schema, {
      LINEBACKER_URL: 'postgres://x@h/db',
      LINEBACKER_VERBOSE: 'yes',
    });
    expect(config).toEqual({ url: 'postgres://x@h/db', port: 8080, verbose: true, mode: 'a' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every problem at once', () => {
    let error: unknown;
    try {
      loadConfig(schema, { LINEBACKER_PORT: '70000', LINEBACKER_MODE: 'c' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/LINEBACKER_URL is required/);
    expect(problems.join('\n')).toMatch(/LINEBACKER_PORT="70000": must be between 1 and 65535/);
    expect(problems.join('\n')).toMatch(/LINEBACKER_MODE="c": must be one of a, b/);
  });

  it('rejects a URL of the wrong protocol and a non-integer', () => {
    expect(() =>
      loadConfig(schema, { LINEBACKER_URL: 'amqp://h', LINEBACKER_PORT: '1.5' }),
    ).toThrow(/protocol must be one of postgres[\s\S]*not an integer/);
  });

  it('documents the schema as a table', () => {
    expect(describeConfig(schema)).toContain('| `LINEBACKER_PORT` | `8080` | port |');
    expect(describeConfig(schema)).toContain('| `LINEBACKER_URL` | (required) | where |');
  });
});
