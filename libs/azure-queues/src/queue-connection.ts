import type { DefaultAzureCredential } from '@azure/identity';
import {
  AnonymousCredential,
  QueueClient,
  StorageSharedKeyCredential,
  type StoragePipelineOptions,
} from '@azure/storage-queue';
import { PermanentError } from '@linebacker/domain';
import { accountNameFromUrl } from './account-url';

/** How message text is put on the wire: base64 (what Azure Functions and the old interface read) or plain. */
export type AzureMessageEncoding = 'base64' | 'text';

/** How linebacker signs in to a storage account reached by its URL. */
export type AzureQueueCredential =
  /** The account key; the account name is the URL's (see `accountNameFromUrl`). */
  | { kind: 'shared-key'; accountKey: string }
  /** A SAS token (the query string, without `?`): account or queue SAS. */
  | { kind: 'sas'; sasToken: string }
  /** Microsoft Entra ID: one credential shared by every client of the process. */
  | { kind: 'token'; tokenCredential: TokenCredential };

/** What the SDK asks of an Entra ID credential (core-auth's TokenCredential, not a direct dependency). */
export type TokenCredential = Pick<DefaultAzureCredential, 'getToken'>;

/** A storage account: its connection string, or its queue endpoint and a credential. */
export type AzureQueueAccount =
  { connectionString: string } | { accountUrl: string; credential: AzureQueueCredential };

/** Where an Azure Storage queue lives and how to talk to it. */
export interface AzureQueueConnection {
  account: AzureQueueAccount;
  queue: string;
  /** Default base64. */
  encoding?: AzureMessageEncoding;
  /** Each storage call is abandoned after this long (default 10000). */
  requestTimeoutMs?: number;
}

/**
 * Largest message the service accepts: 64 KiB of message text as stored (after base64,
 * which grows text by a third). A larger one is refused here, never truncated.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Default timeout of one storage call. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/**
 * A QueueClient with the SDK's own retries off: retrying is the consumer runner's and the
 * pipeline's job (one place decides), and an SDK retrying a refused connection for a minute
 * would hide an outage the stage must pause on.
 */
export function queueClient(
  connection: AzureQueueConnection,
  queue = connection.queue,
): QueueClient {
  const options: StoragePipelineOptions = {
    retryOptions: {
      maxTries: 1,
      tryTimeoutInMs: connection.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
  };
  const { account } = connection;
  if ('connectionString' in account)
    return new QueueClient(account.connectionString, queue, options);
  const url = `${account.accountUrl.replace(/\/+$/, '')}/${queue}`;
  const { credential } = account;
  switch (credential.kind) {
    case 'shared-key':
      return new QueueClient(
        url,
        new StorageSharedKeyCredential(
          accountNameFromUrl(account.accountUrl),
          credential.accountKey,
        ),
        options,
      );
    case 'sas':
      // The SDK signs nothing here: the token in the query string is the authorisation.
      return new QueueClient(`${url}?${credential.sasToken}`, new AnonymousCredential(), options);
    case 'token':
      return new QueueClient(url, credential.tokenCredential, options);
  }
}

/** The wire text of a message body, refused when over the size limit. */
export function encodeMessage(body: string, encoding: AzureMessageEncoding = 'base64'): string {
  const text = encoding === 'base64' ? Buffer.from(body, 'utf8').toString('base64') : body;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES)
    throw new PermanentError(
      'MessageTooLarge',
      `message is ${bytes} bytes on the wire (${encoding}); Azure Storage queues take at most ${MAX_MESSAGE_BYTES}`,
      { details: { bytes } },
    );
  return text;
}

/** The body of a message's wire text; base64 that does not round-trip is refused. */
export function decodeMessage(text: string, encoding: AzureMessageEncoding = 'base64'): Buffer {
  if (encoding === 'text') return Buffer.from(text, 'utf8');
  const body = Buffer.from(text, 'base64');
  if (body.toString('base64').replace(/=+$/, '') !== text.trim().replace(/=+$/, ''))
    throw new PermanentError('InvalidEncoding', 'message text is not valid base64');
  return body;
}

/** Azure's rule for queue names: 3-63 lowercase letters, digits and single hyphens. */
export function assertQueueName(name: string): void {
  if (!/^[a-z0-9](?:[a-z0-9]|-(?!-)){1,61}[a-z0-9]$/.test(name))
    throw new PermanentError(
      'InvalidQueueName',
      `'${name}' is not an Azure queue name (3-63 lowercase letters, digits, single hyphens)`,
    );
}

/** The poison queue of a queue (the Azure Functions convention operators know). */
export function poisonQueueName(queue: string): string {
  return `${queue}-poison`;
}
