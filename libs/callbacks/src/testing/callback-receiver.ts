import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SigningKey } from '../callback-config';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, verifyCallbackSignature } from '../callback-signature';

/** One POST the receiver got. */
export interface ReceivedCallback {
  eventId: string;
  signature: 'ok' | string;
  body: Record<string, unknown>;
  /** Whether the receiver had already processed this event id before. */
  duplicate: boolean;
}

/**
 * What the receiver answers, in order, then 200 for ever: a status, or `hang` (it processes
 * the event and never answers, so the sender times out and tries again).
 */
export type ScriptedAnswer = number | 'hang';

/** A callback receiver on loopback that checks signatures and deduplicates by event id. */
export interface CallbackReceiver {
  url: string;
  port: number;
  received: ReceivedCallback[];
  /** Event ids processed so far; survives a restart when passed to the next receiver. */
  processed: Set<string>;
  close(): Promise<void>;
}

const readBody = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * Starts a receiver as a requester would run one: it verifies `Linebacker-Signature` with the
 * keys it accepts (401 when it does not match), and processes each event id once.
 */
export async function startCallbackReceiver(
  keys: readonly SigningKey[],
  options: { answers?: ScriptedAnswer[]; port?: number; processed?: Set<string> } = {},
): Promise<CallbackReceiver> {
  const answers = [...(options.answers ?? [])];
  const received: ReceivedCallback[] = [];
  const processed = options.processed ?? new Set<string>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    void readBody(request).then((raw) => {
      const eventId = String(request.headers[EVENT_ID_HEADER.toLowerCase()] ?? '');
      const header = request.headers[SIGNATURE_HEADER.toLowerCase()];
      const check = verifyCallbackSignature(
        typeof header === 'string' ? header : undefined,
        raw,
        keys,
        Math.floor(Date.now() / 1000),
      );
      const body = JSON.parse(raw) as Record<string, unknown>;
      const answer = check.ok ? (answers.shift() ?? 200) : 401;
      const duplicate = processed.has(eventId);
      received.push({ eventId, signature: check.ok ? 'ok' : check.problem, body, duplicate });
      if (answer === 'hang' || (answer >= 200 && answer < 300)) processed.add(eventId);
      if (answer !== 'hang') response.writeHead(answer).end();
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/linebacker-callback`,
    port,
    received,
    processed,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
