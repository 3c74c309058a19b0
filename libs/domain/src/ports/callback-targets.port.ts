import { PermanentError } from '../errors/linebacker-error';

/**
 * Decides at intake where a request's end state will be POSTed (ADR 0214): the URL the caller
 * asked for if its client may use it, else the client's configured one, else none.
 */
export interface CallbackTargets {
  /** The URL to store with the request, or null; throws {@link CallbackNotAllowedError}. */
  targetFor(requesterId: string, requestedUrl: string | undefined): Promise<string | null>;
}

/** A callback URL the requester may not use (scheme, host, or the addresses it resolves to). */
export class CallbackNotAllowedError extends PermanentError {
  constructor(reason: string) {
    super('CallbackNotAllowed', `callbackUrl ${reason}`);
    this.name = 'CallbackNotAllowedError';
  }
}

/** Targets when no client has callbacks configured: none by default, a requested URL refused. */
export const NO_CALLBACK_TARGETS: CallbackTargets = {
  targetFor: (_requesterId, requestedUrl) =>
    requestedUrl === undefined
      ? Promise.resolve(null)
      : Promise.reject(new CallbackNotAllowedError('is not allowed: no callbacks are configured')),
};
