import {
  applyRetention,
  systemClock,
  type RetentionCounts,
  type RetentionStore,
} from '@linebacker/domain';
import { retentionInput, type RetentionSettings } from '@linebacker/pipeline';
import type { CliIo, CommandResult } from '../output';
import { display, table } from '../output';
import { audit, type AuditOptions } from './dlq-repair.command';

const LABELS: ReadonlyArray<[keyof RetentionCounts, string]> = [
  ['requests', 'terminal requests'],
  ['statusHistory', 'status history rows'],
  ['backups', 'Backup records'],
  ['idempotencyKeys', 'Idempotency-Keys'],
  ['backupsMarked', 'Backups marked deleted'],
];

/**
 * `retention run [--dry-run]`: one retention run now, with the windows and bounds the
 * recovery app uses (the same LINEBACKER_RETENTION_* variables). A dry run counts what would
 * go and changes nothing; a real run writes an audit line. A run cut short by
 * LINEBACKER_RETENTION_MAX_RUN_MS says so; running it again goes on where it stopped.
 */
export async function runRetention(
  retention: RetentionStore,
  settings: RetentionSettings,
  dryRun: boolean,
  io: CliIo,
  options: AuditOptions,
): Promise<CommandResult> {
  const outcome = await applyRetention(
    { retention, clock: systemClock },
    retentionInput(settings, dryRun),
  );
  if (!dryRun)
    audit(io, options, {
      action: 'retention.run',
      cutoffs: outcome.cutoffs,
      ...outcome.counts,
      complete: outcome.complete,
    });
  const { requestsEndedBefore, keysCreatedBefore, backupsDueOnOrBefore } = outcome.cutoffs;
  const off = (value: unknown) => (value === null ? 'off' : display(value));
  const text = [
    dryRun ? 'retention dry run: nothing was changed; a run now would' : 'retention run:',
    table(
      [dryRun ? 'would remove or mark' : 'removed or marked', 'rows'],
      LABELS.map(([key, label]) => [label, outcome.counts[key]]),
    ),
    `cutoffs: requests ended before ${off(requestsEndedBefore)}, keys stored before ` +
      `${off(keysCreatedBefore)}, Backups due on or before ${off(backupsDueOnOrBefore)}`,
    outcome.complete
      ? `complete in ${outcome.durationMs} ms (${outcome.batches} batches)`
      : `stopped after ${outcome.durationMs} ms with rows still due: run it again`,
  ].join('\n');
  return { data: { dryRun, ...outcome }, text };
}
