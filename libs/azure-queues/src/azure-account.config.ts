// No SDK import here: every app parses these keys, and only an app whose transport is Azure
// may pay for loading the SDK (see ./config.ts).
import { parse, type ConfigSchema } from '@linebacker/runtime';
import { accountNameFromUrl } from './account-url';

/** How the backup interface's storage account is reached, as configured. */
export interface AzureAccountConfig {
  interfaceAzureConnectionString: string;
  interfaceAzureAccountUrl: string;
  interfaceAzureAccountKey: string;
  interfaceAzureSasToken: string;
  interfaceAzureEntraId: boolean;
}

const URL_KEY = 'LINEBACKER_INTERFACE_AZURE_ACCOUNT_URL';
const CONNECTION_STRING_KEY = 'LINEBACKER_INTERFACE_AZURE_CONNECTION_STRING';
/** The credential keys of an account URL, as an operator sets them (files for the secrets). */
const CREDENTIAL_KEYS = {
  interfaceAzureAccountKey: 'LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY(_FILE)',
  interfaceAzureSasToken: 'LINEBACKER_INTERFACE_AZURE_SAS_TOKEN(_FILE)',
  interfaceAzureEntraId: 'LINEBACKER_INTERFACE_AZURE_ENTRA_ID=true',
} as const;

function accountUrl(raw: string): string {
  parse.url('https', 'http')(raw);
  const url = new URL(raw);
  if (url.username || url.password || url.search || url.hash)
    throw new Error(
      'no user, query string or fragment: a SAS goes in LINEBACKER_INTERFACE_AZURE_SAS_TOKEN_FILE',
    );
  accountNameFromUrl(raw);
  return raw.replace(/\/+$/, '');
}

function accountKey(raw: string): string {
  const key = raw.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0)
    throw new Error('not a storage account key (base64)');
  return key;
}

function sasToken(raw: string): string {
  const token = raw.trim().replace(/^\?/, '');
  const params = new URLSearchParams(token);
  if (!params.has('sig') || !params.has('sv'))
    throw new Error('not a SAS token (a query string with sv= and sig=)');
  return token;
}

/**
 * The account keys, shared by every app that reaches the interface's queues (the workers,
 * the receiver's healthz, the simulator; the CLI through the pipeline's schema): a
 * connection string, or an account URL with exactly one credential. Secrets may come from
 * `<key>_FILE`, which is how they are documented.
 */
export const azureAccountConfigSchema: ConfigSchema<AzureAccountConfig> = {
  interfaceAzureConnectionString: {
    env: CONNECTION_STRING_KEY,
    doc:
      "the storage account's connection string (AccountName/AccountKey, or a SAS); with " +
      `LINEBACKER_INTERFACE_TRANSPORT=azure-queue, this or ${URL_KEY} is required`,
    default: '',
    secret: true,
    parse: parse.string,
  },
  interfaceAzureAccountUrl: {
    env: URL_KEY,
    doc:
      "the storage account's queue endpoint, `https://ACCOUNT.queue.core.windows.net` (or " +
      'path-style `http://HOST:PORT/ACCOUNT`, as Azurite), in place of the connection string; ' +
      'with exactly one credential: LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY, ' +
      '_SAS_TOKEN or _ENTRA_ID',
    default: '',
    // Not a credential, but one pasted with its SAS must not show in a start-up problem.
    secret: true,
    parse: accountUrl,
  },
  interfaceAzureAccountKey: {
    env: 'LINEBACKER_INTERFACE_AZURE_ACCOUNT_KEY',
    doc:
      `shared key: the account key of ${URL_KEY}'s account, whose name is the URL's ` +
      "(its host's first label, or its path when path-style)",
    default: '',
    secret: true,
    parse: accountKey,
  },
  interfaceAzureSasToken: {
    env: 'LINEBACKER_INTERFACE_AZURE_SAS_TOKEN',
    doc: `a SAS token (account or queue SAS, the query string with or without \`?\`) for ${URL_KEY}`,
    default: '',
    secret: true,
    parse: sasToken,
  },
  interfaceAzureEntraId: {
    env: 'LINEBACKER_INTERFACE_AZURE_ENTRA_ID',
    doc:
      `sign in to ${URL_KEY} with Microsoft Entra ID (the Azure SDK's DefaultAzureCredential: ` +
      'a service principal or workload identity from AZURE_* variables, else the managed identity)',
    default: false,
    parse: parse.boolean,
  },
};

/** The credential keys that are set. */
function credentialsSet(config: AzureAccountConfig): (keyof typeof CREDENTIAL_KEYS)[] {
  return (Object.keys(CREDENTIAL_KEYS) as (keyof typeof CREDENTIAL_KEYS)[]).filter(
    (field) => config[field] !== '' && config[field] !== false,
  );
}

/**
 * What is wrong with the account keys taken together (empty when nothing): exactly one of a
 * connection string and an account URL, and an account URL with exactly one credential.
 */
export function azureAccountProblems(config: AzureAccountConfig): string[] {
  const credentials = credentialsSet(config).map((field) => CREDENTIAL_KEYS[field]);
  const hasUrl = config.interfaceAzureAccountUrl !== '';
  const hasConnectionString = config.interfaceAzureConnectionString !== '';
  if (hasUrl && hasConnectionString)
    return [`set ${CONNECTION_STRING_KEY} or ${URL_KEY}, not both`];
  if (hasConnectionString)
    return credentials.length === 0
      ? []
      : [`${credentials.join(', ')} belong to ${URL_KEY}, not ${CONNECTION_STRING_KEY}`];
  if (!hasUrl)
    return [
      `${CONNECTION_STRING_KEY} (or _FILE), or ${URL_KEY} with a credential, is required when LINEBACKER_INTERFACE_TRANSPORT=azure-queue`,
    ];
  if (credentials.length === 1) return [];
  const found = credentials.length === 0 ? 'none is set' : `${credentials.join(' and ')} are set`;
  return [
    `${URL_KEY} needs exactly one credential, ${Object.values(CREDENTIAL_KEYS).join(', ')}: ${found}`,
  ];
}
