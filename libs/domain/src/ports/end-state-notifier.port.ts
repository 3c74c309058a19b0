import type { BackupRequest } from '../backup-request/backup-request';

/** Tells the outside world that a request ended (a log line, a callback). */
export interface EndStateNotifier {
  notify(request: BackupRequest): Promise<void>;
  /** Releases timers and connections when the service stops. */
  close?(): void;
}
