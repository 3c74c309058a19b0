import type { BackupRequest } from '../backup-request/backup-request';
import type { EndStateNotifier } from '../ports/end-state-notifier.port';
import { FailureSwitch } from './failure-switch';

/** An end-state notifier that records every notification. */
export class RecordingNotifier extends FailureSwitch implements EndStateNotifier {
  /** Every request notified, as it was passed in, in order. */
  readonly notified: BackupRequest[] = [];

  async notify(request: BackupRequest): Promise<void> {
    this.throwIfFailing();
    this.notified.push(structuredClone(request));
  }
}
