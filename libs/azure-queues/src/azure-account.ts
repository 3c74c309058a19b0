import { DefaultAzureCredential } from '@azure/identity';
import { ConfigError } from '@linebacker/runtime';
import { azureAccountProblems, type AzureAccountConfig } from './azure-account.config';
import type { AzureQueueAccount } from './queue-connection';

/**
 * The account the keys describe, or a ConfigError naming the keys. Entra ID gets one
 * DefaultAzureCredential for every client built from this account (one token cache).
 */
export function azureAccountFromConfig(config: AzureAccountConfig): AzureQueueAccount {
  const problems = azureAccountProblems(config);
  if (problems.length > 0) throw new ConfigError(problems);
  if (config.interfaceAzureConnectionString !== '')
    return { connectionString: config.interfaceAzureConnectionString };
  const url = config.interfaceAzureAccountUrl;
  if (config.interfaceAzureAccountKey !== '')
    return {
      accountUrl: url,
      credential: { kind: 'shared-key', accountKey: config.interfaceAzureAccountKey },
    };
  if (config.interfaceAzureSasToken !== '')
    return {
      accountUrl: url,
      credential: { kind: 'sas', sasToken: config.interfaceAzureSasToken },
    };
  return {
    accountUrl: url,
    credential: { kind: 'token', tokenCredential: new DefaultAzureCredential() },
  };
}
