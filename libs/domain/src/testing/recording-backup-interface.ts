import type { BackupInterface, InterfaceRequest } from '../ports/backup-interface.port';
import { FailureSwitch } from './failure-switch';

/** The backup interface's request side: records every successful send. */
export class RecordingBackupInterface extends FailureSwitch implements BackupInterface {
  /** Every request handed over, in order (a failed send is not recorded). */
  readonly sent: InterfaceRequest[] = [];
  /**
   * Runs inside `send` after the request is recorded and before `send` returns: lets a test
   * land the interface's reply while the sender has not committed Sent yet.
   */
  onSend: ((request: InterfaceRequest) => Promise<void> | void) | undefined;

  async send(request: InterfaceRequest): Promise<void> {
    this.throwIfFailing();
    this.sent.push({ ...request });
    await this.onSend?.(request);
  }
}
