import { END_STATE_EVENT_TYPES, EVENT_TYPES, SERVICES } from '@linebacker/domain';
import type { SubscriptionDefinition } from '@linebacker/messaging';
import type { PipelineConfig } from '../config/pipeline.config';

/** Every pipeline service's name (also its queue prefix and its `service` in logs). */
export { SERVICES } from '@linebacker/domain';

type Policy = Pick<
  PipelineConfig,
  'prefetch' | 'retryMaxAttempts' | 'retryInitialDelayMs' | 'retryMaxDelayMs' | 'handlerTimeoutMs'
>;

function definition(
  app: string,
  name: string,
  eventTypes: readonly string[],
  policy: Policy,
): SubscriptionDefinition {
  return {
    app,
    name,
    eventTypes,
    prefetch: policy.prefetch,
    handlerTimeoutMs: policy.handlerTimeoutMs,
    retry: {
      maxAttempts: policy.retryMaxAttempts,
      initialDelayMs: policy.retryInitialDelayMs,
      maxDelayMs: policy.retryMaxDelayMs,
    },
  };
}

/** The logical endpoints of the pipeline, one per consuming service (SPEC §2). */
export function pipelineSubscriptions(policy: Policy) {
  return {
    checkAllowed: definition(
      SERVICES.checkAllowed,
      EVENT_TYPES.received,
      [EVENT_TYPES.received],
      policy,
    ),
    sendToInterface: definition(
      SERVICES.sendToInterface,
      EVENT_TYPES.allowed,
      [EVENT_TYPES.allowed],
      policy,
    ),
    // Resends after a reply deadline (ADR 0210): send-to-interface holds the interface's
    // connection, so recovery asks it rather than opening one of its own.
    sendToInterfaceResend: definition(
      SERVICES.sendToInterface,
      EVENT_TYPES.replyOverdue,
      [EVENT_TYPES.replyOverdue],
      policy,
    ),
    receiveStatus: definition(
      SERVICES.receiveStatus,
      EVENT_TYPES.storeStatusReceived,
      [EVENT_TYPES.storeStatusReceived],
      policy,
    ),
    notifier: definition(SERVICES.notifier, 'end-states', END_STATE_EVENT_TYPES, policy),
    // Every event must have a consumer: publishing is `mandatory`, so an event nobody binds
    // would be an unroutable error. The notifier reports progress from `sent` at debug level.
    notifierProgress: definition(SERVICES.notifier, 'progress', [EVENT_TYPES.sent], policy),
    recovery: definition(
      SERVICES.recovery,
      EVENT_TYPES.recoveryRequested,
      [EVENT_TYPES.recoveryRequested],
      policy,
    ),
  };
}

/** Every subscription, for topology export and health reports. */
export function allSubscriptions(policy: Policy): SubscriptionDefinition[] {
  return Object.values(pipelineSubscriptions(policy));
}
