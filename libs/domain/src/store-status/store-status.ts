/** The result the backup interface reports for a request. */
export type StoreResult = 'Succeeded' | 'Failed';

/** A status reply from the backup interface (SPEC §2, reply side). Timestamps are ISO strings. */
export interface StoreStatusReply {
  apiVersion: string;
  backupRequestId: string;
  storagePathName: string;
  resultTypeCode: StoreResult;
  backupByteCount: number;
  copyStartTimestamp: string;
  copyEndTimestamp: string;
  verifyStartTimestamp?: string;
  verifyEndTimestamp?: string;
  verifiedHash?: string;
  messageText?: string;
}
