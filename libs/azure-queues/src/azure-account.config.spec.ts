import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@linebacker/runtime';
import { accountNameFromUrl } from './account-url';
import { azureAccountFromConfig } from './azure-account';
import { azureAccountConfigSchema, azureAccountProblems } from './azure-account.config';

const URL = 'https://acct.queue.core.windows.net';
const KEY = Buffer.from('planted-account-key-0123456789').toString('base64');
const SAS = 'sv=2024-11-04&ss=q&srt=sco&sp=raup&se=2030-01-01T00%3A00%3A00Z&sig=planted%2Fsig%3D';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lb-azure-config-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};
const load = (env: Record<string, string>) => loadConfig(azureAccountConfigSchema, env);

/** Every start-up problem, from the single keys or from the keys taken together. */
function problemsOf(env: Record<string, string>): string {
  try {
    return azureAccountProblems(load(env)).join('\n');
  } catch (error) {
    return (error as ConfigError).problems.join('\n');
  }
}

describe('the Azure account keys', () => {
  it('take an account URL with an account key from a file (shared key)', () => {
    const config = load({
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: `${URL}/`,
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY_FILE: file('key', `${KEY}\n`),
    });
    expect(azureAccountFromConfig(config)).toEqual({
      accountUrl: URL,
      credential: { kind: 'shared-key', accountKey: KEY },
    });
  });

  it('take a SAS token from a file, with or without its leading ?', () => {
    const config = load({
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: URL,
      LINEBACKER_INTERFACE_AZURE_SAS_TOKEN_FILE: file('sas', `?${SAS}\n`),
    });
    expect(azureAccountFromConfig(config)).toEqual({
      accountUrl: URL,
      credential: { kind: 'sas', sasToken: SAS },
    });
  });

  it('take Entra ID as one credential shared by every client of the account', () => {
    const account = azureAccountFromConfig(
      load({
        LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: URL,
        LINEBACKER_INTERFACE_AZURE_ENTRA_ID: 'true',
      }),
    );
    expect(account).toMatchObject({ accountUrl: URL, credential: { kind: 'token' } });
  });

  it('refuse a connection string and an account URL together', () => {
    expect(
      problemsOf({
        LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING: 'AccountName=a;AccountKey=b',
        LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: URL,
      }),
    ).toBe(
      'set LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING or LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL, not both',
    );
  });

  it('refuse an account URL without a credential, or with two', () => {
    expect(problemsOf({ LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: URL })).toMatch(
      /LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL needs exactly one credential, .*ACCOUNT_KEY\(_FILE\), .*SAS_TOKEN\(_FILE\), .*ENTRA_ID=true: none is set/,
    );
    expect(
      problemsOf({
        LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: URL,
        LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY: KEY,
        LINEBACKER_INTERFACE_AZURE_ENTRA_ID: 'true',
      }),
    ).toMatch(
      /LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY\(_FILE\) and LINEBACKER_INTERFACE_AZURE_ENTRA_ID=true are set/,
    );
  });

  it('refuse a credential beside a connection string, and neither connection at all', () => {
    expect(
      problemsOf({
        LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING: 'AccountName=a;AccountKey=b',
        LINEBACKER_INTERFACE_AZURE_SAS_TOKEN: SAS,
      }),
    ).toMatch(/SAS_TOKEN\(_FILE\) belong to LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL/);
    expect(problemsOf({})).toMatch(
      /LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING \(or _FILE\), or LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL with a credential, is required/,
    );
    expect(() => azureAccountFromConfig(load({}))).toThrow(ConfigError);
  });

  it('name a credential file that is missing or empty, never its content', () => {
    const text = problemsOf({
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: URL,
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY_FILE: join(dir, 'missing'),
      LINEBACKER_INTERFACE_AZURE_SAS_TOKEN_FILE: file('empty', '\n'),
    });
    expect(text).toMatch(/LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY_FILE=".*missing": ENOENT/);
    expect(text).toMatch(/LINEBACKER_INTERFACE_AZURE_SAS_TOKEN_FILE=".*empty": the file is empty/);
  });

  it('refuse a malformed key, token or URL without showing the secrets', () => {
    const text = problemsOf({
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL: `${URL}?${SAS}`,
      LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY: 'planted-not-base64!',
      LINEBACKER_INTERFACE_AZURE_SAS_TOKEN: 'planted-sv-missing',
    });
    expect(text).toMatch(/ACCOUNT_URL=.*no user, query string or fragment/);
    expect(text).toMatch(/ACCOUNT_KEY=\(value hidden\): not a storage account key/);
    expect(text).toMatch(/SAS_TOKEN=\(value hidden\): not a SAS token/);
    expect(text).not.toMatch(/planted/);
  });
});

describe('accountNameFromUrl', () => {
  it("takes a path-style URL's path, else the host's first label", () => {
    expect(accountNameFromUrl('http://127.0.0.1:10001/devstoreaccount1')).toBe('devstoreaccount1');
    expect(accountNameFromUrl('http://azurite:10001/devstoreaccount1/')).toBe('devstoreaccount1');
    expect(accountNameFromUrl('https://acct.queue.core.windows.net')).toBe('acct');
  });

  it('refuses an address without the account, or a deeper path', () => {
    expect(() => accountNameFromUrl('http://127.0.0.1:10001')).toThrow(/path-style/);
    expect(() => accountNameFromUrl('https://a.queue.core.windows.net/x/y')).toThrow(/no path/);
  });
});
