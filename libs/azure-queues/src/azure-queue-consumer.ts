import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import { PermanentError, errorKindOf } from '@linebacker/domain';
import { settlesWithin, StopBudget, WakeableDelay } from '@linebacker/runtime';
import {
  InFlightTracker,
  PauseController,
  type ExternalQueueConsumer,
  type ExternalQueueObserver,
  type RawMessageHandler,
} from '@linebacker/messaging';
import { AzureMessageRunner } from './azure-message-runner';
import { classifyAzureError, retryStartup, type StartupRetry } from './azure-errors';
import { approximateDepths } from './queue-depths';
import {
  assertQueueName,
  poisonQueueName,
  queueClient,
  type AzureQueueConnection,
} from './queue-connection';

/** One Azure Storage queue to consume (the backup interface's status replies). */
export interface AzureQueueConsumerConfig extends AzureQueueConnection, StartupRetry {
  /** Create the consumed queue at start-up if missing (default true); the poison queue always is. */
  createQueue?: boolean;
  /** Messages handled at once (default 16, at most 32 per receive call). */
  batchSize?: number;
  /** A handler still running after this long counts as a transient failure (default 30000). */
  handlerTimeoutMs?: number;
  /**
   * How long a received message stays invisible to other receivers (default handler timeout
   * + 30 s). Must exceed the handler deadline plus the delete, or a slow reply would be
   * handled twice.
   */
  visibilityTimeoutMs?: number;
  /** Receives of one message (`dequeueCount`, less our own put-backs) before it is poisoned (default 5). */
  deliveryLimit?: number;
  /** First and longest wait between polls of an empty queue (defaults 100 and 2000). */
  pollMinDelayMs?: number;
  pollMaxDelayMs?: number;
  /** First pause after a non-permanent failure, doubling while they repeat (default 1000). */
  pauseInitialDelayMs?: number;
  pauseMaxDelayMs?: number;
  observer?: ExternalQueueObserver;
}

/** Margin between the handler deadline and the visibility timeout, for the delete. */
const VISIBILITY_MARGIN_MS = 30_000;

/**
 * Consumes one Azure Storage queue by polling: a received message is invisible for the
 * visibility timeout while its handler runs, and is deleted only after the handler resolved
 * (the reply is republished inside linebacker, confirmed). Anything not deleted (a crash, a
 * stop, a lost pop receipt) becomes visible again: at-least-once, as on AMQP. A message
 * received too often goes to `<queue>-poison` with the reason, as do invalid ones.
 */
export class AzureQueueConsumer implements ExternalQueueConsumer {
  private readonly client: QueueClient;
  private readonly poison: QueueClient;
  private readonly runner: AzureMessageRunner;
  private readonly pauser: PauseController;
  private readonly inFlight = new InFlightTracker();
  private readonly visibilityTimeoutSec: number;
  private running = false;
  private connected = false;
  private loop: Promise<void> | undefined;
  /** The loop's idle wait, which a free slot, a resume or a stop ends early. */
  private readonly delay = new WakeableDelay();
  /** A wake that came while the loop was not idle: its next idle returns at once. */
  private woken = false;
  private active = 0;

  constructor(
    private readonly config: AzureQueueConsumerConfig,
    handler: RawMessageHandler,
    clients?: { queue: QueueClient; poison: QueueClient },
  ) {
    assertQueueName(config.queue);
    const handlerTimeoutMs = config.handlerTimeoutMs ?? 30_000;
    const visibilityMs = config.visibilityTimeoutMs ?? handlerTimeoutMs + VISIBILITY_MARGIN_MS;
    if (visibilityMs <= handlerTimeoutMs)
      throw new PermanentError(
        'InvalidConsumerConfig',
        `visibility timeout ${visibilityMs} ms must exceed the handler timeout ${handlerTimeoutMs} ms`,
      );
    this.visibilityTimeoutSec = Math.ceil(visibilityMs / 1000);
    this.client = clients?.queue ?? queueClient(config);
    this.poison = clients?.poison ?? queueClient(config, poisonQueueName(config.queue));
    this.pauser = new PauseController(
      {
        subscription: config.queue,
        policy: {
          maxAttempts: 1,
          initialDelayMs: config.pauseInitialDelayMs ?? 1000,
          maxDelayMs: config.pauseMaxDelayMs ?? 30_000,
        },
        probeTimeoutMs: 1000,
        observer: config.observer,
      },
      { setConsuming: async () => this.wake() },
    );
    this.runner = new AzureMessageRunner({
      queue: config.queue,
      client: this.client,
      poison: this.poison,
      handler,
      handlerTimeoutMs,
      deliveryLimit: config.deliveryLimit ?? 5,
      encoding: config.encoding ?? 'base64',
      pauser: this.pauser,
      inFlight: this.inFlight,
      observer: config.observer,
    });
  }

  /** Checks the account (creating the queues), bounded attempts, then starts polling. */
  async start(): Promise<void> {
    await retryStartup(this.config, this.config.queue, async () => {
      if (this.config.createQueue ?? true) await this.client.createIfNotExists();
      await this.runner.createPoisonQueue();
    });
    this.running = true;
    this.setConnected(true);
    this.loop = this.poll();
  }

  /** Polling (the account answered the last call), or deliberately paused. */
  isReady(): boolean {
    return this.running && (this.connected || this.pauser.isPaused());
  }

  /** 1 while polling, 0 while paused or stopped. */
  consumerCount(): number {
    return this.running && !this.pauser.isPaused() ? 1 : 0;
  }

  /**
   * Stops polling and lets in-flight handlers finish within `deadlineMs`; those still running
   * then are aborted and their messages left undeleted, to reappear after the visibility timeout.
   */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.running = false;
    this.pauser.stop();
    this.wake();
    // A receive in flight may hold the loop for its request timeout: one budget for both.
    const budget = new StopBudget(deadlineMs);
    await settlesWithin(this.loop ?? Promise.resolve(), budget.left());
    await this.inFlight.drain(budget.left());
    this.inFlight.abortAll('the consumer is stopping');
  }

  /** Approximate message counts of the queue and its poison queue (the service's estimate). */
  queueDepths(): Promise<Record<string, number>> {
    return approximateDepths([this.client, this.poison]);
  }

  private async poll(): Promise<void> {
    const minDelay = this.config.pollMinDelayMs ?? 100;
    const maxDelay = this.config.pollMaxDelayMs ?? 2000;
    const batch = Math.min(32, Math.max(1, this.config.batchSize ?? 16));
    let delay = minDelay;
    while (this.running) {
      const free = batch - this.active;
      if (this.pauser.isPaused() || free <= 0) {
        await this.idle(maxDelay);
        continue;
      }
      let messages: DequeuedMessageItem[];
      try {
        const response = await this.client.receiveMessages({
          numberOfMessages: free,
          visibilityTimeout: this.visibilityTimeoutSec,
          abortSignal: AbortSignal.timeout(this.config.requestTimeoutMs ?? 10_000),
        });
        messages = response.receivedMessageItems;
        this.setConnected(true);
      } catch (error) {
        this.onPollFailure(error);
        await this.idle(delay);
        delay = Math.min(maxDelay, delay * 2);
        continue;
      }
      if (messages.length === 0) {
        // Storage queues have no long poll: back off while the queue stays empty.
        await this.idle(delay);
        delay = Math.min(maxDelay, delay * 2);
        continue;
      }
      delay = minDelay;
      for (const message of messages) this.dispatch(message);
    }
  }

  private dispatch(message: DequeuedMessageItem): void {
    this.active += 1;
    void this.runner.handle(message).finally(() => {
      this.active -= 1;
      this.wake(); // a slot is free: poll again now
    });
  }

  private onPollFailure(error: unknown): void {
    const classified = classifyAzureError(error, `receive from ${this.config.queue}`);
    if (errorKindOf(classified) === 'unavailable') this.setConnected(false, classified.message);
    else this.config.observer?.onError?.(`${this.config.queue}: receive`, classified);
  }

  /** Waits up to `ms`, or until something wakes the loop (a free slot, a resume, a stop). */
  private async idle(ms: number): Promise<void> {
    if (!this.running) return;
    if (this.woken) {
      // Woken while busy: look again at once rather than lose the wake-up.
      this.woken = false;
      return;
    }
    await this.delay.wait(ms);
  }

  /** Ends the loop's idle wait, or makes its next one return at once. */
  private wake(): void {
    if (!this.delay.wake()) this.woken = true;
  }

  private setConnected(connected: boolean, reason?: string): void {
    if (this.connected === connected) return;
    this.connected = connected;
    this.config.observer?.onConnectionChange?.(connected ? 'connected' : 'disconnected', reason);
  }
}
