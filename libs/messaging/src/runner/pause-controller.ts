import type { MessageBusObserver, RetryPolicy } from '../port/message-bus.port';
import { retryDelayForStep } from '../retry/retry-levels';

/** What a pause switches: the subscription's consumer (basic.cancel / basic.consume). */
export interface PauseTarget {
  setConsuming(consuming: boolean): Promise<void>;
}

/** How one subscription pauses. */
export interface PauseControllerOptions {
  subscription: string;
  /** Pause lengths follow the retry delay levels, growing while failures repeat. */
  policy: RetryPolicy;
  probe?: () => Promise<boolean>;
  /** A probe still pending after this long counts as a failed probe. */
  probeTimeoutMs: number;
  observer?: MessageBusObserver;
}

/**
 * Pauses a subscription while a dependency is unavailable: cancels its consumer so it takes
 * no deliveries, waits a backoff period, asks the probe (if any), then consumes again. Each
 * pause that ends without an intervening success is longer than the one before.
 */
export class PauseController {
  private paused = false;
  private consecutive = 0;
  private currentMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private switching: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: PauseControllerOptions,
    private readonly target: PauseTarget,
  ) {}

  /** True while paused. */
  isPaused(): boolean {
    return this.paused;
  }

  /** Starts a pause (no-op while already paused); returns its length in milliseconds. */
  pause(reason: string): number {
    if (this.paused || this.stopped) return this.currentMs || this.nextLength();
    this.paused = true;
    this.consecutive += 1;
    this.currentMs = this.nextLength();
    this.options.observer?.onPause?.(this.options.subscription, true, reason);
    this.switchConsumer(false);
    this.arm();
    return this.currentMs;
  }

  /** Resolves once the latest consumer switch (cancel or consume) has been applied. */
  switched(): Promise<void> {
    return this.switching;
  }

  /** A delivery succeeded: the next pause starts from the shortest length again. */
  noteSuccess(): void {
    if (!this.paused) this.consecutive = 0;
  }

  /** Cancels any pending resume (the bus is stopping). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private nextLength(): number {
    return retryDelayForStep(this.options.policy, Math.max(1, this.consecutive));
  }

  private arm(): void {
    this.timer = setTimeout(() => void this.tryResume(), this.currentMs);
    this.timer.unref();
  }

  private async tryResume(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    if (!(await this.probeSays())) {
      if (this.stopped) return;
      this.consecutive += 1;
      this.currentMs = this.nextLength();
      this.arm();
      return;
    }
    if (this.stopped) return;
    this.paused = false;
    this.options.observer?.onPause?.(this.options.subscription, false);
    this.switchConsumer(true);
  }

  private async probeSays(): Promise<boolean> {
    const { probe } = this.options;
    if (!probe) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.probeTimeoutMs);
    });
    try {
      return await Promise.race([probe().catch(() => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private switchConsumer(consuming: boolean): void {
    this.switching = this.target.setConsuming(consuming).catch((error: unknown) => {
      this.options.observer?.onError?.(`${this.options.subscription}: switch consumer`, error);
    });
  }
}
