import { TransientError } from '@linebacker/domain';
import { classifyAzureError, retryStartup } from './azure-errors';
import {
  decodeMessage,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  assertQueueName,
} from './queue-connection';

/** An error shaped like the SDK's RestError (status on `statusCode`). */
function restError(statusCode: number): Error {
  return Object.assign(new Error(`status ${statusCode}`), { name: 'RestError', statusCode });
}

describe('classifyAzureError', () => {
  it.each([
    [503, 'transient'],
    [500, 'transient'],
    [429, 'transient'],
    [408, 'transient'],
    [403, 'permanent'],
    [404, 'permanent'],
    [400, 'permanent'],
  ])('classifies HTTP %i as %s', (status, kind) => {
    expect(classifyAzureError(restError(status), 'send')).toMatchObject({ kind });
  });

  it('classifies a refused connection, also when wrapped, as unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const wrapped = Object.assign(new Error('request failed'), {
      code: 'REQUEST_SEND_ERROR',
      cause: refused,
    });
    expect(classifyAzureError(refused, 'send')).toMatchObject({ kind: 'unavailable' });
    expect(classifyAzureError(wrapped, 'send')).toMatchObject({
      kind: 'unavailable',
      code: 'AzureQueueUnreachable',
    });
  });

  it('classifies a timeout (aborted call) as transient', () => {
    const aborted = Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
    expect(classifyAzureError(aborted, 'send')).toMatchObject({
      kind: 'transient',
      code: 'AzureQueueTimeout',
    });
  });

  it('keeps an error already classified', () => {
    const error = new TransientError('X', 'y');
    expect(classifyAzureError(error, 'send')).toBe(error);
  });
});

describe('message encoding', () => {
  it('round-trips base64 and plain text', () => {
    expect(decodeMessage(encodeMessage('{"a":1}')).toString()).toBe('{"a":1}');
    expect(encodeMessage('{"a":1}', 'text')).toBe('{"a":1}');
  });

  it('refuses a body whose wire text is over 64 KiB, counting the base64 growth', () => {
    const body = 'x'.repeat(50_000); // 66,668 bytes once base64
    expect(() => encodeMessage(body)).toThrow(/at most 65536/);
    expect(encodeMessage(body, 'text')).toHaveLength(50_000);
    expect(() => encodeMessage('y'.repeat(MAX_MESSAGE_BYTES + 1), 'text')).toThrow(
      expect.objectContaining({ code: 'MessageTooLarge', kind: 'permanent' }),
    );
  });

  it('refuses text that is not base64 as permanent', () => {
    expect(() => decodeMessage('not base64!')).toThrow(
      expect.objectContaining({ code: 'InvalidEncoding' }),
    );
  });

  it('checks queue names against Azure rules', () => {
    expect(() => assertQueueName('interface-replies')).not.toThrow();
    expect(() => assertQueueName('Interface.Replies')).toThrow(/not an Azure queue name/);
  });
});

describe('retryStartup', () => {
  /** A step that fails with the given errors in turn, then succeeds. */
  function failing(...errors: Error[]) {
    const step = jest.fn(async () => {
      const error = errors.shift();
      if (error) throw error;
    });
    return step;
  }
  const fast = { startupMaxAttempts: 3, startupDelayMs: 1 };

  it('tries a transient failure again and succeeds', async () => {
    const step = failing(restError(503), restError(500));
    await retryStartup(fast, 'q', step);
    expect(step).toHaveBeenCalledTimes(3);
  });

  it('gives up after the attempts with the classified error', async () => {
    const step = failing(restError(503), restError(503), restError(503), restError(503));
    await expect(retryStartup(fast, 'q', step)).rejects.toMatchObject({
      kind: 'transient',
      message: expect.stringMatching(/start q/),
    });
    expect(step).toHaveBeenCalledTimes(3);
  });

  it('stops at once on a permanent failure (bad credentials)', async () => {
    const step = failing(restError(403));
    await expect(retryStartup(fast, 'q', step)).rejects.toMatchObject({ kind: 'permanent' });
    expect(step).toHaveBeenCalledTimes(1);
  });
});
