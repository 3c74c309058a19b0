import { terminalSafe, terminalSafeJson } from './terminal-safe';

/** Where the CLI writes (the process streams, or buffers in tests). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** What a command produced: data for `--json`, text for people, and its exit code. */
export interface CommandResult {
  data: unknown;
  text: string;
  exitCode?: number;
}

/**
 * Prints a result as pretty JSON or as its text, either made safe for a terminal: data such
 * as a dead letter's body, headers and reason come from whoever published the message.
 */
export function printResult(io: CliIo, result: CommandResult, json: boolean): void {
  io.out(
    json
      ? `${terminalSafeJson(JSON.stringify(result.data, null, 2))}\n`
      : terminalSafe(ensureNewline(result.text)),
  );
}

const ensureNewline = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);

/** Left-aligned columns with a header row; cells are stringified, null shown as `-`. */
export function table(headers: readonly string[], rows: readonly unknown[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => display(cell)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

/** One value as a table cell or a `key: value` line. */
export function display(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return value.toISOString();
  return String(value);
}
