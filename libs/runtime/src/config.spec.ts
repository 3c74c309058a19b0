import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

describe('secret keys', () => {
  interface Secrets {
    databaseUrl: string;
    tokens: string;
  }
  const secrets: ConfigSchema<Secrets> = {
    databaseUrl: {
      env: 'LINEBACKER_DATABASE_URL',
      doc: 'db',
      secret: true,
      parse: parse.url('postgres'),
    },
    tokens: {
      env: 'LINEBACKER_TOKENS',
      doc: 'tokens',
      secret: true,
      parse: (raw) => {
        throw new Error(`malformed entry '${raw}'`);
      },
    },
  };
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-config-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadConfig(secrets, env);
    } catch (error) {
      return (error as ConfigError).problems.join('\n');
    }
    throw new Error('no problems');
  };

  it('never shows a secret value or a URL password in a problem', () => {
    const text = problemsOf({
      LINEBACKER_DATABASE_URL: 'amqp://user:pa55word-planted@host/db',
      LINEBACKER_TOKENS: 'planted-token-123=client:scope',
    });
    expect(text).toContain(
      'LINEBACKER_DATABASE_URL="amqp://user:***@host/db": protocol must be one of postgres',
    );
    expect(text).toMatch(/LINEBACKER_TOKENS=\(value hidden\): malformed entry '\*\*\*'/);
    expect(text).not.toMatch(/pa55word-planted|planted-token-123/);
  });

  it('reads a secret from the file named by <env>_FILE, without its final newline', () => {
    const file = join(dir, 'url');
    writeFileSync(file, 'postgres://app:s3cret@db:5432/linebacker\n');
    const config = loadConfig(
      { databaseUrl: secrets.databaseUrl },
      { LINEBACKER_DATABASE_URL_FILE: file },
    );
    expect(config.databaseUrl).toBe('postgres://app:s3cret@db:5432/linebacker');
  });

  it('refuses both the variable and its file, and names a file it cannot read', () => {
    const text = problemsOf({
      LINEBACKER_DATABASE_URL: 'postgres://h/db',
      LINEBACKER_DATABASE_URL_FILE: join(dir, 'url'),
      LINEBACKER_TOKENS_FILE: join(dir, 'missing'),
    });
    expect(text).toMatch(/set LINEBACKER_DATABASE_URL or LINEBACKER_DATABASE_URL_FILE, not both/);
    expect(text).toMatch(/LINEBACKER_TOKENS_FILE=".*missing": ENOENT/);
  });

  it('refuses a secret file that is empty rather than taking the default', () => {
    writeFileSync(join(dir, 'blank'), ' \n');
    const optional = { ...secrets.tokens, default: '' };
    expect(() =>
      loadConfig({ tokens: optional }, { LINEBACKER_TOKENS_FILE: join(dir, 'blank') }),
    ).toThrow(/LINEBACKER_TOKENS_FILE=".*blank": the file is empty/);
  });

  it('scrubs a URL password from a plain key too', () => {
    const plain = { url: { env: 'LINEBACKER_URL', doc: 'u', parse: parse.url('http') } };
    expect(() => loadConfig(plain, { LINEBACKER_URL: 'ftp://u:hunter2@h/' })).toThrow(
      'LINEBACKER_URL="ftp://u:***@h/": protocol must be one of http',
    );
  });

  describe('a list of node URLs', () => {
    const nodes = {
      amqpUrl: {
        env: 'LINEBACKER_AMQP_URL',
        doc: 'nodes',
        secret: true,
        parse: parse.urlList('amqp', 'amqps'),
      },
    };

    it('reads a comma-separated list, trimming each entry', () => {
      const config = loadConfig(nodes, {
        LINEBACKER_AMQP_URL: 'amqp://u:p@a:5701, amqp://u:p@b:5702 ,amqp://u:p@c:5703',
      });
      expect(config.amqpUrl).toBe('amqp://u:p@a:5701,amqp://u:p@b:5702,amqp://u:p@c:5703');
    });

    it('names a bad entry by its position and shows every entry without its password', () => {
      let error: unknown;
      try {
        loadConfig(nodes, {
          LINEBACKER_AMQP_URL: 'amqp://u:pw-planted-1@a:5701,foo://u:pw-planted-2@b:5702',
        });
      } catch (caught) {
        error = caught;
      }
      const text = (error as ConfigError).problems.join('\n');
      expect(text).toContain(
        'LINEBACKER_AMQP_URL="amqp://u:***@a:5701,foo://u:***@b:5702": entry 2: protocol must be one of amqp, amqps',
      );
      expect(text).not.toMatch(/pw-planted/);
    });

    it('rejects an empty entry', () => {
      expect(() => loadConfig(nodes, { LINEBACKER_AMQP_URL: 'amqp://a,,amqp://c' })).toThrow(
        /entry 2: empty/,
      );
    });

    it('hides the whole list when a part does not parse, so a password with a comma never shows in part', () => {
      expect(() =>
        loadConfig(nodes, { LINEBACKER_AMQP_URL: 'amqp://u:pass,word-planted@a:5701' }),
      ).toThrow(/LINEBACKER_AMQP_URL="\*\*\*"/);
    });
  });
});
