import * as http from 'node:http';
import * as https from 'node:https';
import CircuitBreaker from 'opossum';
import {
  BACKUP_PROVIDER_CODES,
  DependencyFailedError,
  DependencyUnavailableError,
  PermanentError,
  type BackupJob,
  type BackupJobService,
} from '@linebacker/domain';

/** Settings of the HTTP client for the backup job service. */
export interface HttpBackupJobServiceOptions {
  /** e.g. `http://jobs.internal:8080`; jobs are read from `{baseUrl}/backup-jobs/{id}`. */
  baseUrl: string;
  /** Per-call deadline, connection included. */
  timeoutMs: number;
  /** Failure percentage over the rolling window that opens the circuit. */
  errorThresholdPercentage?: number;
  /** How long the circuit stays open before one trial call. */
  resetTimeoutMs?: number;
  /** Calls in the window before the circuit may open at all. */
  volumeThreshold?: number;
}

const DEPENDENCY = 'backup job service';
/** Socket errors that mean nobody is listening: the service is down, not slow. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** A call that ran past its deadline (connection included). */
class CallTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

/** Maps a failed call to the taxonomy: refused → unavailable; timeout or reset → transient. */
function classifyCallError(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) {
    return new DependencyUnavailableError(DEPENDENCY, `unreachable (${code})`, error);
  }
  if (error instanceof CallTimeoutError) {
    return new DependencyFailedError(DEPENDENCY, 'timed out', error);
  }
  const detail = typeof code === 'string' ? code : String(error);
  return new DependencyFailedError(DEPENDENCY, `request failed (${detail})`, error);
}

/** One GET's status and body (read whole: job documents are small). */
interface Answer {
  status: number;
  body: string;
}

/**
 * GET over node:http(s) with a keep-alive agent. Not `fetch`: its WHATWG streams cost a third
 * of a worker's CPU per lookup under load (measured, docs/benchmarks.md). The deadline covers
 * connecting, waiting and reading the body.
 */
function get(url: URL, agent: http.Agent, timeoutMs: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const request = client.get(url, { agent, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', fail);
    });
    function fail(error: unknown): void {
      clearTimeout(timer);
      reject(error);
    }
    const timer = setTimeout(() => request.destroy(new CallTimeoutError(timeoutMs)), timeoutMs);
    request.on('error', fail);
  });
}

function parseJob(body: unknown, backupJobId: string): BackupJob {
  const job = body as Partial<BackupJob> | null;
  const valid =
    job !== null &&
    typeof job === 'object' &&
    job.backupJobId === backupJobId &&
    typeof job.storagePathName === 'string' &&
    (BACKUP_PROVIDER_CODES as readonly unknown[]).includes(job.backupProviderCode) &&
    Number.isInteger(job.daysToKeep) &&
    (job.daysToKeep as number) >= 0 &&
    typeof job.isActive === 'boolean' &&
    typeof job.holdFlag === 'boolean';
  if (!valid) throw new DependencyFailedError(DEPENDENCY, `malformed job ${backupJobId}`);
  const { storagePathName, backupProviderCode, daysToKeep, isActive, holdFlag } = job as BackupJob;
  return { backupJobId, storagePathName, backupProviderCode, daysToKeep, isActive, holdFlag };
}

/**
 * The backup job service over HTTP: 200 → the job, 404 → null (not allowed, not an error),
 * 5xx/429/timeouts → transient, refused or circuit open → unavailable, other 4xx → permanent.
 * A circuit breaker (opossum) stops hammering a failing service and lets the consumer pause.
 */
export class HttpBackupJobService implements BackupJobService {
  private readonly breaker: CircuitBreaker<[string], BackupJob | null>;
  private readonly agent: http.Agent;

  constructor(private readonly options: HttpBackupJobServiceOptions) {
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    this.agent = options.baseUrl.startsWith('https:')
      ? new https.Agent(agentOptions)
      : new http.Agent(agentOptions);
    this.breaker = new CircuitBreaker((id: string) => this.fetchJob(id), {
      timeout: false,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      resetTimeout: options.resetTimeoutMs ?? 5000,
      volumeThreshold: options.volumeThreshold ?? 10,
      // Permanent answers are the service working correctly; they must not open the circuit.
      errorFilter: (error: unknown) => error instanceof PermanentError,
    });
  }

  /** Reads a job; null when the service does not know it. */
  async findJob(backupJobId: string): Promise<BackupJob | null> {
    try {
      return await this.breaker.fire(backupJobId);
    } catch (error) {
      if ((error as { code?: string }).code === 'EOPENBREAKER') {
        throw new DependencyUnavailableError(
          DEPENDENCY,
          'circuit open after repeated failures',
          error,
        );
      }
      throw error;
    }
  }

  /** True unless the circuit is open (a consumer may resume when this turns true). */
  isAvailable(): boolean {
    return !this.breaker.opened;
  }

  /** Stops the breaker's timers and closes idle connections. */
  shutdown(): void {
    this.breaker.shutdown();
    this.agent.destroy();
  }

  private async fetchJob(backupJobId: string): Promise<BackupJob | null> {
    const url = new URL(
      `${this.options.baseUrl.replace(/\/$/, '')}/backup-jobs/${encodeURIComponent(backupJobId)}`,
    );
    let response: Answer;
    try {
      response = await get(url, this.agent, this.options.timeoutMs);
    } catch (error) {
      throw classifyCallError(error);
    }
    if (response.status === 404) return null;
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new DependencyFailedError(DEPENDENCY, `answered HTTP ${response.status}`);
    }
    if (response.status !== 200) {
      throw new PermanentError(
        'BackupJobLookupRejected',
        `${DEPENDENCY} answered HTTP ${response.status} for ${backupJobId}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch (error) {
      throw new DependencyFailedError(DEPENDENCY, `answered a job that is not JSON`, error);
    }
    return parseJob(body, backupJobId);
  }
}
