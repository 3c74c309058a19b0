import {
  PermanentError,
  type BackupRepository,
  type BackupRequestRepository,
  type CallbackAttemptLog,
  type Clock,
  type IdGenerator,
  type StepResult,
} from '@linebacker/domain';
import type {
  Envelope,
  HandlerOutcome,
  MessageBus,
  MessageHandler,
  SubscribeOptions,
  SubscriptionDefinition,
} from '@linebacker/messaging';
import type { Logger, ServiceMetrics } from '@linebacker/runtime';
import type { PipelineConfig } from '../config/pipeline.config';

/** What every worker is built from: the shared adapters of one service instance. */
export interface WorkerContext {
  service: string;
  config: PipelineConfig;
  logger: Logger;
  metrics: ServiceMetrics;
  clock: Clock;
  ids: IdGenerator;
  requests: BackupRequestRepository;
  backups: BackupRepository;
  callbackAttempts: CallbackAttemptLog;
  bus: MessageBus;
}

/** One subscription a worker consumes. */
export interface WorkerSubscription {
  definition: SubscriptionDefinition;
  handler: MessageHandler;
  options?: SubscribeOptions;
}

/** A service's behaviour: what it consumes, and what it does around consuming. */
export interface Worker {
  subscriptions: WorkerSubscription[];
  /** Runs before any subscription attaches (recovery re-drives here). */
  beforeConsume?(): Promise<void>;
  /** Starts background work after the subscriptions attached. */
  afterConsume?(): Promise<void>;
  /** Stops background work and external connections (called before the bus stops). */
  stop?(deadlineMs: number): Promise<void>;
  /** Extra readiness (e.g. an external broker connection). */
  isReady?(): boolean;
  /** Consumers the worker attached outside the bus (e.g. on an external queue). */
  consumerCount?(): number;
  /** Extra `/healthz` details (e.g. the external queues' depths); bounded by the caller. */
  details?(): Promise<Record<string, unknown>>;
}

/** The request id of a backup-request event (its payload schema was checked by the bus). */
export function requestIdOf(envelope: Envelope): string {
  const id = (envelope.payload as { backupRequestId?: unknown }).backupRequestId;
  if (typeof id !== 'string')
    throw new PermanentError('InvalidPayload', 'payload has no backupRequestId');
  return id;
}

/** Adapts a use-case step to a handler: applied → ok, already done → already-done (both ack). */
export function stepHandler(
  run: (backupRequestId: string, envelope: Envelope) => Promise<StepResult>,
): MessageHandler {
  return async (envelope): Promise<HandlerOutcome> => {
    const result = await run(requestIdOf(envelope), envelope);
    return result.outcome === 'applied' ? 'ok' : 'already-done';
  };
}
