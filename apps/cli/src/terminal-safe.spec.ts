import type { DeadLetter, MessageBus, SubscriptionDefinition } from '@linebacker/messaging';
import { showDeadLetter } from './commands/dlq.command';
import { printResult, type CliIo } from './output';
import { terminalSafe, terminalSafeJson } from './terminal-safe';

/** Anything a terminal could act on: C0 but tab/newline, DEL, C1, bidi controls. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// Retitles the window, clears the screen, recolours via an 8-bit CSI, overwrites the line
// and reverses the rest of it: what a malicious publisher might plant in a dead letter.
const PLANTED = 'ok\u001b]0;owned\u0007\u001b[2J\r\u009b31mred\u202egnp.exe\u0000\u007f';

const planted: DeadLetter = {
  id: 'dl-1',
  envelope: null,
  rawBody: `\u001b[1;1Hfake prompt$ ${PLANTED}`,
  errorCode: `InvalidMessage${PLANTED}`,
  reason: `body is not JSON${PLANTED}`,
  originalRoutingKey: 'a.b',
  deadLetteredAt: '2026-01-01T00:00:00.000Z',
  headers: { 'x-linebacker-reason': PLANTED, [`x-${PLANTED}`]: 1 },
};

/** A bus whose dead-letter queue holds exactly the planted letter. */
const busWith = (letter: DeadLetter) =>
  ({ deadLetters: { list: async () => [letter] } }) as unknown as MessageBus;

const definition = {
  app: 'receive-status',
  name: 'store-status.received',
} as SubscriptionDefinition;

async function show(json: boolean): Promise<string> {
  let out = '';
  const io: CliIo = { out: (text) => (out += text), err: () => undefined };
  printResult(io, await showDeadLetter(busWith(planted), definition, 'dl-1'), json);
  return out;
}

describe('terminal-safe output', () => {
  it('shows every control character of a planted escape sequence as visible text', () => {
    expect(terminalSafe(PLANTED)).toBe(
      'ok\\x1b]0;owned\\x07\\x1b[2J\\x0d\\x9b31mred\\u202egnp.exe\\x00\\x7f',
    );
    expect(terminalSafe('tab\tand\nnewline stay')).toBe('tab\tand\nnewline stay');
  });

  it('dlq show prints no control character from the body, the headers or the reason', async () => {
    const text = await show(false);
    expect(text).not.toMatch(CONTROL);
    expect(text).toContain('body is not JSONok\\x1b]0;owned\\x07');
    expect(text).toContain('fake prompt$ ok\\x1b');
    expect(text.split('\n').length).toBeGreaterThan(5);
  });

  it('dlq show --json stays valid JSON with every character intact, and none raw', async () => {
    const json = await show(true);
    expect(json).not.toMatch(CONTROL);
    expect(JSON.parse(json)).toEqual(planted);
    expect(JSON.parse(terminalSafeJson(JSON.stringify({ s: '\u009b\u202e' })))).toEqual({
      s: '\u009b\u202e',
    });
  });
});
