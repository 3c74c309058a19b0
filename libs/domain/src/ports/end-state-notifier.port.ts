import type { BackupRequest } from '../backup-request/backup-request';

/** Tells the outside world that a request ended (today: a log line). */
export interface EndStateNotifier {
  notify(request: BackupRequest): Promise<void>;
}
