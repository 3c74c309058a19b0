import * as http from 'node:http';
import * as https from 'node:https';
import type { LookupFunction } from 'node:net';
import CircuitBreaker from 'opossum';
import { PermanentError, TransientError, type CallbackAttemptOutcome } from '@linebacker/domain';
import type { CallbackPolicy, ResolvedAddress } from './callback-policy';
import { EVENT_ID_HEADER } from './callback-signature';

/** One callback attempt as observed. */
export interface CallbackAttempt {
  /** The `Linebacker-Event-Id` sent (`<request id>:<status>`). */
  eventId: string;
  host: string;
  outcome: CallbackAttemptOutcome;
  /** The receiver's HTTP status, when it answered. */
  statusCode?: number;
  durationMs: number;
  reason?: string;
}

/** Settings of the callback client. */
export interface HttpCallbackSenderOptions {
  /** Deadline of one POST: connecting, sending and reading the answer. */
  timeoutMs: number;
  /** How long an open circuit refuses calls to its host before one trial. */
  breakerResetMs: number;
  /** Calls in the rolling window before a host's circuit may open. */
  breakerVolumeThreshold?: number;
}

/** One POST to make: the URL, its checked addresses, the headers and the body. */
interface Post {
  url: URL;
  addresses: ResolvedAddress[];
  headers: Record<string, string>;
  body: string;
}

/** Transient: a later attempt may get through (timeouts, refused, reset, 5xx, 408, 429). */
class CallbackFailedError extends TransientError {
  constructor(message: string, cause?: unknown, statusCode?: number) {
    super('CallbackFailed', message, { cause, details: statusCode ? { statusCode } : {} });
    this.name = 'CallbackFailedError';
  }
}

/** Our answer bodies are ignored; reading is bounded so a receiver cannot stream forever. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Connects to the addresses the policy checked, never resolving again: between the check and
 * the connection, DNS could otherwise answer with an inside address (rebinding).
 */
function pinned(addresses: ResolvedAddress[]): LookupFunction {
  return (_host, options, callback) => {
    const [first] = addresses;
    if (!first) return callback(new Error('no address'), '', 4);
    if ((options as { all?: boolean }).all) return callback(null, addresses as never, 4);
    callback(null, first.address, first.family);
  };
}

function post({ url, addresses, headers, body }: Post, timeoutMs: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.request(
      url,
      {
        method: 'POST',
        agent: false,
        lookup: pinned(addresses),
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (answer) => {
        let read = 0;
        answer.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_ANSWER_BYTES) answer.destroy();
        });
        answer.on('close', () => {
          clearTimeout(timer);
          resolve(answer.statusCode ?? 0);
        });
      },
    );
    const timer = setTimeout(
      () =>
        request.destroy(
          new CallbackFailedError(`receiver ${url.host}: no answer within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      if (error instanceof CallbackFailedError) return reject(error);
      const code = (error as { code?: unknown }).code;
      const detail = typeof code === 'string' ? code : error.message;
      reject(new CallbackFailedError(`receiver ${url.host}: ${detail}`, error));
    });
    request.end(body);
  });
}

/**
 * Maps an answer: 2xx delivered (its status returned, for the attempt log); 408, 429 and 5xx
 * transient; the rest (3xx, 4xx) permanent.
 */
function checkAnswer(host: string, status: number): number {
  if (status >= 200 && status < 300) return status;
  const message = `receiver ${host} answered HTTP ${status}`;
  if (status >= 500 || status === 408 || status === 429)
    throw new CallbackFailedError(message, undefined, status);
  throw new PermanentError('CallbackRejected', message, { details: { statusCode: status } });
}

/**
 * POSTs signed callbacks. Each host has its own circuit breaker (opossum), so one receiver
 * that is down stops costing a timeout per attempt without touching the others; a refused
 * attempt is transient and uses the message's attempt budget like any failure (ADR 0214).
 */
export class HttpCallbackSender {
  private readonly breakers = new Map<string, CircuitBreaker<[Post], number>>();

  constructor(
    private readonly policy: CallbackPolicy,
    private readonly options: HttpCallbackSenderOptions,
    private readonly onAttempt: (attempt: CallbackAttempt) => void = () => undefined,
  ) {}

  /** POSTs `body` to the requester's callback URL; throws a classified error on failure. */
  async send(
    requesterId: string,
    callbackUrl: string,
    headers: Record<string, string>,
    body: string,
    observeCall: (attempt: CallbackAttempt) => void = () => undefined,
  ): Promise<void> {
    const started = performance.now();
    const host = (() => {
      try {
        return new URL(callbackUrl).host;
      } catch {
        return 'invalid';
      }
    })();
    const observe = (outcome: CallbackAttemptOutcome, statusCode?: number, reason?: string) => {
      const attempt: CallbackAttempt = {
        eventId: headers[EVENT_ID_HEADER] ?? '',
        host,
        outcome,
        durationMs: performance.now() - started,
        ...(statusCode === undefined ? {} : { statusCode }),
        ...(reason === undefined ? {} : { reason }),
      };
      this.onAttempt(attempt);
      observeCall(attempt);
    };
    try {
      // Checked again at delivery: the client's hosts may have changed since intake.
      const url = this.policy.checkUrl(requesterId, callbackUrl);
      const addresses = await this.policy.addressesFor(url);
      const status = await this.breakerFor(url.host).fire({ url, addresses, headers, body });
      observe('delivered', status);
    } catch (error) {
      const failure = this.classify(host, error);
      const status = failure.details['statusCode'] as number | undefined;
      const outcome: CallbackAttemptOutcome =
        failure.code === 'CallbackCircuitOpen'
          ? 'circuit-open'
          : failure.kind === 'permanent'
            ? failure.code === 'CallbackRejected'
              ? 'rejected'
              : 'refused'
            : 'failed';
      observe(outcome, status, failure.message);
      throw failure;
    }
  }

  /** Stops every breaker's timers. */
  close(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }

  private classify(host: string, error: unknown): PermanentError | TransientError {
    if ((error as { code?: unknown }).code === 'EOPENBREAKER')
      return new TransientError(
        'CallbackCircuitOpen',
        `receiver ${host}: circuit open after repeated failures`,
        { cause: error },
      );
    if (error instanceof PermanentError || error instanceof TransientError) return error;
    return new CallbackFailedError(`receiver ${host}: ${String(error)}`, error);
  }

  private breakerFor(host: string): CircuitBreaker<[Post], number> {
    let breaker = this.breakers.get(host);
    if (!breaker) {
      breaker = new CircuitBreaker(
        async (call: Post) => checkAnswer(host, await post(call, this.options.timeoutMs)),
        {
          timeout: false,
          errorThresholdPercentage: 50,
          resetTimeout: this.options.breakerResetMs,
          volumeThreshold: this.options.breakerVolumeThreshold ?? 10,
          // A 4xx is the receiver working and refusing; it must not open the circuit.
          errorFilter: (error: unknown) => error instanceof PermanentError,
        },
      );
      this.breakers.set(host, breaker);
    }
    return breaker;
  }
}
