import { isIP } from 'node:net';
import { PermanentError } from '@linebacker/domain';

/**
 * The account name an account URL carries: the first path segment of a path-style URL
 * (Azurite, `http://127.0.0.1:10001/devstoreaccount1`), else the first label of the host
 * (`https://<account>.queue.core.windows.net`). Shared-key signatures name the account.
 */
export function accountNameFromUrl(accountUrl: string): string {
  const url = new URL(accountUrl);
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  if (segments.length === 1) return segments[0] as string;
  if (segments.length > 1)
    throw new PermanentError(
      'InvalidAccountUrl',
      'an account URL has no path, or only the account name (path-style, as Azurite)',
    );
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 || !host.includes('.'))
    throw new PermanentError(
      'InvalidAccountUrl',
      'an account URL on an address or a bare host name ends with the account name (path-style)',
    );
  return host.split('.')[0] as string;
}
