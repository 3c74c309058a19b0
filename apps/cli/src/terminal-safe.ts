/**
 * Characters a terminal may act on instead of printing: C0 controls but tab and newline (ESC
 * starts the sequences that move the cursor, recolour, retitle or clear the screen; CR lets
 * a line overwrite itself), DEL, the C1 controls (U+009B is a one-character CSI to some
 * terminals) and the bidirectional overrides and isolates, which reorder what is read.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same set less C0: JSON.stringify already escapes C0, and leaves these raw. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const hex = (char: string, digits: number) =>
  (char.codePointAt(0) ?? 0).toString(16).padStart(digits, '0');

/**
 * Text that cannot drive the operator's terminal: each unsafe character shown as a visible
 * escape (`\x1b`, `\u202e`), so a planted sequence is seen rather than obeyed or hidden.
 * Messages and their headers come from whoever could publish them; nothing of theirs is
 * printed raw.
 */
export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (char) =>
    char <= '\u00ff' ? `\\x${hex(char, 2)}` : `\\u${hex(char, 4)}`,
  );
}

/**
 * JSON text with those characters written as `\u` escapes: the same JSON value (they can
 * only occur inside strings, where the escape means the same character), safe on a terminal.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (char) => `\\u${hex(char, 4)}`);
}
