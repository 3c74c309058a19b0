import { beforeEach, describe, expect, it } from '@jest/globals';
import { newBackupRequest, type BackupRequest } from '../backup-request/backup-request';
import type { RequestStatus } from '../backup-request/request-status';
import { EVENT_TYPES } from '../messages/event-types';
import { EVENT_FOR_STATUS, requestEvent, type OutboxMessage } from '../messages/outbox-message';
import type {
  BackupRequestRepository,
  OverdueReplyQuery,
} from '../ports/backup-request.repository';
import { aNewRequest } from './fixtures';

/** What the reply deadline's contract needs of a fresh, empty store. */
export interface DeadlineStoreUnderTest {
  requests: BackupRequestRepository;
  /** The types of the outbox messages committed about a request, in commit order. */
  outboxTypes(backupRequestId: string): Promise<string[]>;
}

type Waiting = 'Received' | 'Allowed' | 'Sent' | 'Failed';
const PATH: Record<Waiting, RequestStatus[]> = {
  Received: [],
  Allowed: ['Allowed'],
  Sent: ['Allowed', 'Sent'],
  Failed: ['Allowed', 'Sent', 'Failed'],
};

const T0 = new Date('2024-03-01T10:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/**
 * The contract of `claimOverdueReplies` (ADR 0210), run by describeBackupRequestRepository
 * against every implementation.
 */
export function describeOverdueReplyClaims(open: () => Promise<DeadlineStoreUnderTest>): void {
  describe('claims of overdue replies', () => {
    let store: DeadlineStoreUnderTest;
    let requests: BackupRequestRepository;
    beforeEach(async () => {
      store = await open();
      requests = store.requests;
    });

    /** A stored request taken to `status`, with its send (if any) at `sentAt`. */
    const stored = async (status: Waiting, sentAt = minutes(0)): Promise<BackupRequest> => {
      const request = newBackupRequest(globalThis.crypto.randomUUID(), aNewRequest(), minutes(-60));
      await requests.create(request, []);
      let from: RequestStatus = 'Received';
      for (const to of PATH[status]) {
        const at = to === 'Allowed' ? minutes(-59) : sentAt;
        const patch = to === 'Sent' ? { sentToInterfaceTimestamp: sentAt } : {};
        const outcome = await requests.applyChange({
          backupRequestId: request.backupRequestId,
          from,
          to,
          at,
          patch,
          by: 'conformance',
          messageId: null,
          outbox: [requestEvent(EVENT_FOR_STATUS[to], request, null, at)],
        });
        expect(outcome).toBe('applied');
        from = to;
      }
      return (await requests.findById(request.backupRequestId)) as BackupRequest;
    };
    const query = (over: Partial<OverdueReplyQuery> = {}): OverdueReplyQuery => ({
      sentBefore: minutes(-10),
      maxResends: 2,
      limit: 10,
      now: minutes(0),
      by: 'recovery',
      ...over,
    });
    const resendMessage = (request: BackupRequest, n: number): OutboxMessage => ({
      ...requestEvent(EVENT_TYPES.replyOverdue, request, null, minutes(0)),
      messageId: `${request.backupRequestId}:resend:${n}`,
    });
    const ids = (list: readonly BackupRequest[]) => list.map((r) => r.backupRequestId);

    it('re-sends only Sent requests past the deadline, oldest first, up to the limit', async () => {
      const old = await stored('Sent', minutes(-30));
      const older = await stored('Sent', minutes(-40));
      const oldest = await stored('Sent', minutes(-50));
      const recent = await stored('Sent', minutes(-5));
      const notSent = [
        await stored('Received'),
        await stored('Allowed'),
        await stored('Failed', minutes(-50)),
      ];
      const numbers: number[] = [];

      const found = await requests.claimOverdueReplies(query({ limit: 2 }), (request, n) => {
        numbers.push(n);
        return resendMessage(request, n);
      });

      expect({ resent: ids(found.resent).sort(), exhausted: found.exhausted }).toEqual({
        resent: ids([oldest, older]).sort(),
        exhausted: [],
      });
      expect(numbers).toEqual([1, 1]);
      const rest = await requests.claimOverdueReplies(query(), resendMessage);
      expect(ids(rest.resent)).toEqual([old.backupRequestId]);
      for (const request of [recent, ...notSent]) {
        expect(await requests.findById(request.backupRequestId)).toEqual(request);
      }
    });

    it('records a resend as a Sent→Sent history row with its message, and restarts the wait', async () => {
      const request = await stored('Sent', minutes(-30));
      const id = request.backupRequestId;

      const first = await requests.claimOverdueReplies(query(), resendMessage);

      expect(first.resent).toEqual([request]);
      expect((await requests.history(id)).at(-1)).toEqual({
        backupRequestId: id,
        fromStatus: 'Sent',
        toStatus: 'Sent',
        at: minutes(0),
        by: 'recovery',
        messageId: `${id}:resend:1`,
      });
      expect((await store.outboxTypes(id)).at(-1)).toBe(EVENT_TYPES.replyOverdue);
      expect(await requests.findById(id)).toEqual(request);
      // The wait restarted at `now`: overdue again only once the deadline has passed since.
      expect(await requests.claimOverdueReplies(query(), resendMessage)).toEqual({
        resent: [],
        exhausted: [],
      });
      const later = query({ sentBefore: minutes(1), now: minutes(11) });
      const numbers: number[] = [];
      await requests.claimOverdueReplies(later, (r, n) => {
        numbers.push(n);
        return resendMessage(r, n);
      });
      expect(numbers).toEqual([2]);
    });

    it('returns a request out of resends as exhausted, writing nothing', async () => {
      const request = await stored('Sent', minutes(-30));
      const id = request.backupRequestId;
      await requests.claimOverdueReplies(query({ maxResends: 1 }), resendMessage);
      const historyBefore = await requests.history(id);
      const outboxBefore = await store.outboxTypes(id);

      const found = await requests.claimOverdueReplies(
        query({ maxResends: 1, sentBefore: minutes(1), now: minutes(11) }),
        resendMessage,
      );

      expect(found).toEqual({ resent: [], exhausted: [request] });
      expect(await requests.history(id)).toEqual(historyBefore);
      expect(await store.outboxTypes(id)).toEqual(outboxBefore);
      expect(await requests.findById(id)).toEqual(request);
    });

    it('never re-sends one request twice when claims race', async () => {
      const waiting: BackupRequest[] = [];
      for (let i = 0; i < 12; i++) waiting.push(await stored('Sent', minutes(-30 - i)));

      const claims = await Promise.all(
        Array.from({ length: 4 }, () =>
          requests.claimOverdueReplies(query({ limit: 5 }), resendMessage),
        ),
      );

      const resent = claims.flatMap((claim) => ids(claim.resent));
      expect(resent.length).toBe(new Set(resent).size);
      for (const request of waiting) {
        const rows = (await requests.history(request.backupRequestId)).filter(
          (h) => h.fromStatus === 'Sent' && h.toStatus === 'Sent',
        );
        expect(rows.length).toBe(resent.includes(request.backupRequestId) ? 1 : 0);
      }
    });

    it('writes nothing when building a resend fails', async () => {
      const request = await stored('Sent', minutes(-30));
      const historyBefore = await requests.history(request.backupRequestId);
      await expect(
        requests.claimOverdueReplies(query(), () => {
          throw new Error('cannot build');
        }),
      ).rejects.toThrow('cannot build');
      expect(await requests.history(request.backupRequestId)).toEqual(historyBefore);
      const again = await requests.claimOverdueReplies(query(), resendMessage);
      expect(ids(again.resent)).toEqual([request.backupRequestId]);
    });
  });
}
