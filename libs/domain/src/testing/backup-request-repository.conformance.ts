import { beforeEach, describe, expect, it } from '@jest/globals';
import { newBackupRequest, type BackupRequest } from '../backup-request/backup-request';
import { REQUEST_STATUSES, type RequestStatus } from '../backup-request/request-status';
import { isLegalMove, LEGAL_MOVES } from '../backup-request/state-machine';
import { backupFromReply } from '../backup/backup';
import {
  IdempotencyKeyReusedError,
  IllegalTransitionError,
  ValidationError,
} from '../errors/domain-errors';
import { EVENT_TYPES } from '../messages/event-types';
import { EVENT_FOR_STATUS, requestEvent } from '../messages/outbox-message';
import type {
  BackupRepository,
  BackupRequestRepository,
  StatusChange,
} from '../ports/backup-request.repository';
import { aBackupJob, aNewRequest, aStoreStatusReply } from './fixtures';
import { describeOverdueReplyClaims } from './reply-deadline.conformance';

/** One fresh, empty store as the suite sees it. */
export interface RepositoryUnderTest {
  requests: BackupRequestRepository;
  backups: BackupRepository;
  /** The types of the outbox messages committed about a request, in commit order. */
  outboxTypes(backupRequestId: string): Promise<string[]>;
  /** The service name `create` records on the first history row. */
  intakeBy: string;
}

const T0 = new Date('2024-03-01T10:00:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);

/** A status from which nothing moves on, with the moves that lead to it from Received. */
const PATH: Record<RequestStatus, RequestStatus[]> = {
  Received: [],
  Allowed: ['Allowed'],
  NotAllowed: ['NotAllowed'],
  Sent: ['Allowed', 'Sent'],
  Failed: ['Allowed', 'Sent', 'Failed'],
  Succeeded: ['Allowed', 'Succeeded'],
};

const ILLEGAL_MOVES = REQUEST_STATUSES.flatMap((from) =>
  REQUEST_STATUSES.filter((to) => !isLegalMove(from, to)).map((to) => ({ from, to })),
);

/**
 * The contract of BackupRequestRepository (and BackupRepository's read), run against every
 * implementation: the in-memory fake and PostgreSQL. Where they disagree, PostgreSQL is the
 * truth and the fake is fixed. `open` gives an empty store before every test.
 */
export function describeBackupRequestRepository(
  name: string,
  open: () => Promise<RepositoryUnderTest>,
): void {
  describe(`${name} (BackupRequestRepository contract)`, () => {
    describeOverdueReplyClaims(open);

    let store: RepositoryUnderTest;
    let requests: BackupRequestRepository;
    beforeEach(async () => {
      store = await open();
      requests = store.requests;
    });

    const aRequest = (at = T0): BackupRequest =>
      newBackupRequest(globalThis.crypto.randomUUID(), aNewRequest(), at);
    const created = async (at = T0): Promise<BackupRequest> => {
      const request = aRequest(at);
      const event = requestEvent(EVENT_TYPES.received, request, null, at);
      await requests.create(request, [event]);
      return request;
    };
    const change = (
      request: BackupRequest,
      from: RequestStatus,
      to: RequestStatus,
      at = minutes(1),
    ) =>
      ({
        backupRequestId: request.backupRequestId,
        from,
        to,
        at,
        patch: {},
        by: 'conformance',
        messageId: `m-${from}-${to}`,
        outbox: [requestEvent(EVENT_FOR_STATUS[to], request, `m-${from}-${to}`, at)],
      }) satisfies StatusChange;
    /** A stored request moved along PATH to `status`. */
    const at = async (status: RequestStatus): Promise<BackupRequest> => {
      const request = await created();
      let from: RequestStatus = 'Received';
      for (const [i, to] of PATH[status].entries()) {
        expect(await requests.applyChange(change(request, from, to, minutes(i + 1)))).toBe(
          'applied',
        );
        from = to;
      }
      return (await requests.findById(request.backupRequestId)) as BackupRequest;
    };

    it('creates a request with its first history row and outbox message', async () => {
      const request = await created();
      expect(await requests.findById(request.backupRequestId)).toEqual(request);
      expect(await requests.history(request.backupRequestId)).toEqual([
        {
          backupRequestId: request.backupRequestId,
          fromStatus: null,
          toStatus: 'Received',
          at: T0,
          by: store.intakeBy,
          messageId: null,
        },
      ]);
      expect(await store.outboxTypes(request.backupRequestId)).toEqual([EVENT_TYPES.received]);
    });

    it('reads null and an empty history for an unknown id, and refuses a missing one', async () => {
      const unknown = aRequest().backupRequestId;
      expect(await requests.findById(unknown)).toBeNull();
      expect(await requests.history(unknown)).toEqual([]);
      expect(await store.backups.findByRequestId(unknown)).toBeNull();
      for (const missing of ['', undefined, null] as unknown as string[]) {
        await expect(requests.findById(missing)).rejects.toBeInstanceOf(ValidationError);
        await expect(requests.history(missing)).rejects.toBeInstanceOf(ValidationError);
        await expect(store.backups.findByRequestId(missing)).rejects.toBeInstanceOf(
          ValidationError,
        );
      }
    });

    it('refuses a second request with the same id as a permanent error', async () => {
      const request = await created();
      await expect(requests.create({ ...request }, [])).rejects.toMatchObject({
        kind: 'permanent',
      });
      expect(await requests.history(request.backupRequestId)).toHaveLength(1);
    });

    describe('idempotency keys', () => {
      const key = { requesterId: 'client-a', key: 'k-1', fingerprint: 'f-1' };

      it('replays the original request for the same key and fingerprint, storing nothing', async () => {
        const first = aRequest();
        expect(await requests.create(first, [], key)).toEqual({
          outcome: 'created',
          request: first,
        });
        const second = aRequest();
        expect(await requests.create(second, [], key)).toEqual({
          outcome: 'replayed',
          request: first,
        });
        expect(await requests.findById(second.backupRequestId)).toBeNull();
      });

      it('refuses the same key with another fingerprint, and scopes keys to the requester', async () => {
        await requests.create(aRequest(), [], key);
        const other = aRequest();
        await expect(
          requests.create(other, [], { ...key, fingerprint: 'f-2' }),
        ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
        expect(await requests.findById(other.backupRequestId)).toBeNull();
        const elsewhere = await requests.create(other, [], { ...key, requesterId: 'client-b' });
        expect(elsewhere.outcome).toBe('created');
      });

      it('creates once when calls with one key race, replaying that request to the others', async () => {
        const outcomes = await Promise.all(
          Array.from({ length: 4 }, () => requests.create(aRequest(), [], key)),
        );
        const winners = outcomes.filter((o) => o.outcome === 'created');
        expect(winners).toHaveLength(1);
        for (const outcome of outcomes) expect(outcome.request).toEqual(winners[0]?.request);
      });
    });

    describe('status changes', () => {
      it.each(LEGAL_MOVES)(
        'applies $from → $to with its history row and message',
        async ({ from, to }) => {
          const request = await at(from);
          const move = {
            ...change(request, from, to, minutes(9)),
            patch: { replyMessageText: 'ok' },
          };
          expect(await requests.applyChange(move)).toBe('applied');
          expect(await requests.findById(request.backupRequestId)).toEqual({
            ...request,
            statusTypeCode: to,
            statusTimestamp: minutes(9),
            replyMessageText: 'ok',
          });
          expect((await requests.history(request.backupRequestId)).at(-1)).toEqual({
            backupRequestId: request.backupRequestId,
            fromStatus: from,
            toStatus: to,
            at: minutes(9),
            by: 'conformance',
            messageId: move.messageId,
          });
          expect((await store.outboxTypes(request.backupRequestId)).at(-1)).toBe(
            EVENT_FOR_STATUS[to],
          );
        },
      );

      it.each(ILLEGAL_MOVES)('refuses $from → $to and writes nothing', async ({ from, to }) => {
        const request = await at(from);
        const before = await requests.history(request.backupRequestId);
        await expect(
          requests.applyChange(change(request, from, to, minutes(9))),
        ).rejects.toBeInstanceOf(IllegalTransitionError);
        expect(await requests.findById(request.backupRequestId)).toEqual(request);
        expect(await requests.history(request.backupRequestId)).toEqual(before);
      });

      it('reports a conflict, writing nothing, when the status is no longer `from`', async () => {
        const request = await at('Sent');
        const types = await store.outboxTypes(request.backupRequestId);
        expect(await requests.applyChange(change(request, 'Received', 'Allowed'))).toBe('conflict');
        expect(await requests.applyChange(change(request, 'Allowed', 'Sent'))).toBe('conflict');
        expect(await requests.applyChange(change(aRequest(), 'Received', 'Allowed'))).toBe(
          'conflict',
        );
        expect(await requests.findById(request.backupRequestId)).toEqual(request);
        expect(await requests.history(request.backupRequestId)).toHaveLength(3);
        expect(await store.outboxTypes(request.backupRequestId)).toEqual(types);
      });

      it('lets exactly one of several racing changes from one status win', async () => {
        const request = await created();
        const outcomes = await Promise.all(
          Array.from({ length: 5 }, () =>
            requests.applyChange(change(request, 'Received', 'Allowed')),
          ),
        );
        expect(outcomes.filter((o) => o === 'applied')).toHaveLength(1);
        expect(await requests.history(request.backupRequestId)).toHaveLength(2);
      });

      it('refuses a patch field a status change may not set', async () => {
        const request = await created();
        const sneaky = { ...change(request, 'Received', 'Allowed'), patch: { requesterId: 'x' } };
        await expect(requests.applyChange(sneaky as never)).rejects.toBeInstanceOf(ValidationError);
        expect(await requests.findById(request.backupRequestId)).toEqual(request);
      });

      it('leaves a field the patch gives as undefined as it was', async () => {
        const request = await at('Allowed');
        const patch = { storagePathName: undefined, sentToInterfaceTimestamp: minutes(5) };
        expect(await requests.applyChange({ ...change(request, 'Allowed', 'Sent'), patch })).toBe(
          'applied',
        );
        expect(await requests.findById(request.backupRequestId)).toMatchObject({
          storagePathName: request.storagePathName,
          sentToInterfaceTimestamp: minutes(5),
        });
      });

      it('stores the job facts the move to Allowed captures, and reads them back', async () => {
        const request = await created();
        const patch = {
          backupProviderCode: 'CloudB',
          storagePathName: '/vault/b',
          daysToKeepCount: 9,
          holdFlag: true,
        } as const;
        const allowed = { ...change(request, 'Received', 'Allowed'), patch };
        expect(await requests.applyChange(allowed)).toBe('applied');
        expect(await requests.findById(request.backupRequestId)).toMatchObject(patch);
        const sent = { ...change(request, 'Allowed', 'Sent'), patch: { holdFlag: false } };
        expect(await requests.applyChange(sent)).toBe('applied');
        expect(await requests.findById(request.backupRequestId)).toMatchObject({
          daysToKeepCount: 9,
          holdFlag: false,
        });
      });

      it('stores a Backup with its change, and a second Backup is a conflict', async () => {
        const request = await at('Sent');
        const backup = backupFromReply(
          globalThis.crypto.randomUUID(),
          { ...request, backupProviderCode: 'CloudA', storagePathName: '/store' },
          aBackupJob(),
          aStoreStatusReply(request.backupRequestId),
        );
        const failed = { ...change(request, 'Sent', 'Failed'), backup };
        expect(await requests.applyChange(failed)).toBe('applied');
        expect(await store.backups.findByRequestId(request.backupRequestId)).toEqual(backup);
        const again = {
          ...change(request, 'Failed', 'Succeeded'),
          backup: { ...backup, backupId: globalThis.crypto.randomUUID() },
        };
        expect(await requests.applyChange(again)).toBe('conflict');
        expect((await requests.findById(request.backupRequestId))?.statusTypeCode).toBe('Failed');
        expect(await store.backups.findByRequestId(request.backupRequestId)).toEqual(backup);
      });
    });

    describe('send claims', () => {
      const claim = (request: BackupRequest, token: string, now = minutes(2), ttlMinutes = 1) => ({
        backupRequestId: request.backupRequestId,
        token,
        now,
        expiresAt: new Date(now.getTime() + ttlMinutes * 60_000),
      });
      const newToken = () => globalThis.crypto.randomUUID();

      it('lets one claimant of an Allowed request send until its claim lapses', async () => {
        const request = await at('Allowed');
        expect(await requests.claimSend(claim(request, newToken()))).toBe(true);
        expect(await requests.claimSend(claim(request, newToken()))).toBe(false);
        expect(await requests.claimSend(claim(request, newToken(), minutes(2.5)))).toBe(false);
        expect(await requests.claimSend(claim(request, newToken(), minutes(3)))).toBe(true);
        expect(await requests.findById(request.backupRequestId)).toEqual(request);
      });

      it('lets exactly one of several racing claimants win', async () => {
        const request = await at('Allowed');
        const outcomes = await Promise.all(
          Array.from({ length: 5 }, () => requests.claimSend(claim(request, newToken()))),
        );
        expect(outcomes.filter(Boolean)).toHaveLength(1);
      });

      it('frees the claim for the next claimant when its holder releases it', async () => {
        const request = await at('Allowed');
        const token = newToken();
        expect(await requests.claimSend(claim(request, token))).toBe(true);
        await requests.releaseSend(request.backupRequestId, newToken());
        expect(await requests.claimSend(claim(request, newToken()))).toBe(false);
        await requests.releaseSend(request.backupRequestId, token);
        expect(await requests.claimSend(claim(request, newToken()))).toBe(true);
      });

      it('claims nothing for a request that is not Allowed, or unknown', async () => {
        for (const status of ['Received', 'Sent', 'Succeeded'] as const) {
          expect(await requests.claimSend(claim(await at(status), newToken()))).toBe(false);
        }
        expect(await requests.claimSend(claim(aRequest(), newToken()))).toBe(false);
        await expect(
          requests.claimSend({ ...claim(aRequest(), newToken()), backupRequestId: '' }),
        ).rejects.toBeInstanceOf(ValidationError);
      });

      // Claims that arrive while another runs go together (PostgreSQL claims them in one
      // statement): the first of these starts at once, the rest wait and share a batch.
      const claimTogether = (claims: ReturnType<typeof claim>[]) =>
        Promise.all(claims.map((c) => requests.claimSend(c)));

      it('gives a request claimed twice in one batch exactly one winner, and its claim holds', async () => {
        const [a, b, twice] = [await at('Allowed'), await at('Allowed'), await at('Allowed')];
        const tokens = [newToken(), newToken(), newToken()];
        const outcomes = await claimTogether([
          claim(a, newToken()),
          claim(b, newToken()),
          ...tokens.map((token) => claim(twice, token)),
        ]);
        expect(outcomes.slice(0, 2)).toEqual([true, true]);
        expect(outcomes.slice(2).filter(Boolean)).toHaveLength(1);
        expect(await requests.claimSend(claim(twice, newToken(), minutes(2.5)))).toBe(false);
        // The winner's token is the one stored: only it frees the claim.
        const winner = tokens[outcomes.slice(2).indexOf(true)] as string;
        for (const token of tokens.filter((t) => t !== winner)) {
          await requests.releaseSend(twice.backupRequestId, token);
        }
        expect(await requests.claimSend(claim(twice, newToken()))).toBe(false);
        await requests.releaseSend(twice.backupRequestId, winner);
        expect(await requests.claimSend(claim(twice, newToken()))).toBe(true);
      });

      it('in one batch, takes over a lapsed claim and leaves a live one alone', async () => {
        const [a, b, lapsed, live] = [
          await at('Allowed'),
          await at('Allowed'),
          await at('Allowed'),
          await at('Allowed'),
        ];
        expect(await requests.claimSend(claim(lapsed, newToken(), minutes(1)))).toBe(true);
        expect(await requests.claimSend(claim(live, newToken(), minutes(2.5)))).toBe(true);
        const later = minutes(3);
        const outcomes = await claimTogether([
          claim(a, newToken(), later),
          claim(b, newToken(), later),
          claim(lapsed, newToken(), later),
          claim(live, newToken(), later),
        ]);
        expect(outcomes).toEqual([true, true, true, false]);
      });

      it('in one batch, claims nothing for a request that is not Allowed, or unknown', async () => {
        const [a, b, allowed] = [await at('Allowed'), await at('Allowed'), await at('Allowed')];
        const others = [await at('Received'), await at('Sent'), await at('Succeeded'), aRequest()];
        const outcomes = await claimTogether([
          claim(a, newToken()),
          claim(b, newToken()),
          ...others.map((request) => claim(request, newToken())),
          claim(allowed, newToken()),
        ]);
        expect(outcomes).toEqual([true, true, false, false, false, false, true]);
        for (const request of others.slice(0, 3)) {
          expect(await requests.findById(request.backupRequestId)).toEqual(request);
        }
      });

      it('leaves status changes to the compare-and-set, claimed or not', async () => {
        const request = await at('Allowed');
        expect(await requests.claimSend(claim(request, newToken()))).toBe(true);
        expect(await requests.applyChange(change(request, 'Allowed', 'Sent'))).toBe('applied');
        expect((await requests.findById(request.backupRequestId))?.statusTypeCode).toBe('Sent');
      });
    });

    describe('reads for recovery and operators', () => {
      it('claims stalled requests oldest first, up to the limit, once per round', async () => {
        const old = await created(minutes(-30));
        const older = await created(minutes(-40));
        const fresh = await created(minutes(0));
        const allowed = await at('Allowed');
        const query = {
          statuses: ['Received'] as RequestStatus[],
          changedBefore: minutes(-10),
          redrivenBefore: minutes(-5),
          limit: 5,
          now: minutes(0),
        };
        const redriven: string[] = [];
        const claimed = await requests.claimStalled(query, (request) => {
          redriven.push(request.backupRequestId);
          return [requestEvent(EVENT_TYPES.recoveryRequested, request, null, minutes(0))];
        });
        expect(claimed.map((r) => r.backupRequestId)).toEqual([
          older.backupRequestId,
          old.backupRequestId,
        ]);
        expect(redriven.sort()).toEqual([older.backupRequestId, old.backupRequestId].sort());
        expect((await store.outboxTypes(old.backupRequestId)).at(-1)).toBe(
          EVENT_TYPES.recoveryRequested,
        );
        expect(await requests.claimStalled(query, () => [])).toEqual([]);
        expect(
          await requests.claimStalled({ ...query, redrivenBefore: minutes(1), limit: 1 }, () => []),
        ).toEqual([older]);
        expect(await requests.claimStalled({ ...query, limit: 0 }, () => [])).toEqual([]);
        expect([fresh, allowed].map((r) => redriven.includes(r.backupRequestId))).toEqual([
          false,
          false,
        ]);
      });

      it('counts requests per status, every status present', async () => {
        await created();
        await at('Sent');
        const counts = await requests.countByStatus();
        expect(counts).toEqual({
          Received: 1,
          Allowed: 0,
          NotAllowed: 0,
          Sent: 1,
          Succeeded: 0,
          Failed: 0,
        });
      });
    });
  });
}
