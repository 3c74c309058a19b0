import { IllegalTransitionError, ValidationError } from '../errors/domain-errors';
import type { StatusChange } from '../ports/backup-request.repository';
import { isPatchField } from './backup-request';
import { isLegalMove } from './state-machine';

/**
 * The rules every BackupRequestRepository applies to a status change before it writes
 * anything: the move is one the state machine has (IllegalTransitionError otherwise), and
 * the patch sets only fields a status change may set (ValidationError otherwise). The
 * compare-and-set on `from` is the store's own job.
 */
export function checkStatusChange(change: StatusChange): void {
  if (!isLegalMove(change.from, change.to)) {
    throw new IllegalTransitionError(change.from, `move to ${String(change.to)}`);
  }
  for (const field of Object.keys(change.patch)) {
    if (!isPatchField(field)) {
      throw new ValidationError(`a status change cannot set ${field}`, field);
    }
  }
}
