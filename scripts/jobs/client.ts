import { createHash } from 'node:crypto';

/** HTTP error response of the madmix service: status plus the `{ error: { code, message } }` body. */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export interface ClientOptions {
  service: string;
  token: string;
  /** Attempts per request for 5xx responses and network errors (default 5). */
  attempts?: number;
  /** First retry delay in milliseconds, doubled per attempt (default 500). */
  backoffMs?: number;
  log?: (line: string) => void;
}

export interface Claim {
  jobId: string;
  shardIndex: number;
  shardCount: number;
  leaseId: string;
  leaseExpiresAt: string;
  embedArgs: string[];
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Maximum length of the failure text the service keeps per shard, in characters. */
const MAX_ERROR_LENGTH = 1000;

/** Returns the message of a fetch failure with its cause (`ECONNREFUSED 127.0.0.1:8787`), which undici hides behind "fetch failed". */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const message = (error as Error).message;
  return cause ? `${message}: ${cause.code ?? cause.message}` : message;
}

function parseBody(text: string): any {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Client of the /v1/jobs routes. Retries network errors and 5xx responses with
 * exponential backoff. 4xx responses are thrown at once as `ServiceError`,
 * since repeating the same request cannot fix them. The token never appears
 * in log lines or errors.
 */
export class JobsClient {
  private readonly base: string;

  constructor(private readonly options: ClientOptions) {
    this.base = options.service.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, body?: Uint8Array | string, headers: Record<string, string> = {}): Promise<{ status: number; data: T }> {
    const attempts = this.options.attempts ?? 5;
    let delay = this.options.backoffMs ?? 500;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(this.base + path, {
          method,
          headers: { authorization: `Bearer ${this.options.token}`, ...headers },
          body: body as BodyInit | undefined,
        });
        // Reading the body here lets a connection dropped mid-response be retried like a failed connect.
        text = await response.text();
      } catch (error) {
        if (attempt >= attempts) {
          throw new Error(`cannot reach ${this.base} (${method} ${path}: ${describeNetworkError(error)}) after ${attempts} attempts; check --service (or MADMIX_SERVICE) and that the service is running`);
        }
        this.options.log?.(`${method} ${path}: ${(error as Error).message}; retry ${attempt}/${attempts - 1} in ${delay} ms`);
        await sleep(delay);
        delay *= 2;
        continue;
      }
      if (response.status >= 500 && attempt < attempts) {
        this.options.log?.(`${method} ${path}: HTTP ${response.status}; retry ${attempt}/${attempts - 1} in ${delay} ms`);
        await sleep(delay);
        delay *= 2;
        continue;
      }
      const data = parseBody(text);
      if (response.status >= 400) {
        const error = data?.error ?? {};
        // A proxy in front of the service (for example wrangler dev while it reloads) may answer with plain text.
        const fallback = `HTTP ${response.status} from ${method} ${this.base}${path}${data ? '' : `: ${text.slice(0, 200) || response.statusText}`}`;
        throw new ServiceError(response.status, error.code ?? 'http_error', error.message ?? fallback, error.details);
      }
      return { status: response.status, data: data as T };
    }
  }

  private json<T>(method: string, path: string, body: unknown) {
    return this.request<T>(method, path, JSON.stringify(body), { 'content-type': 'application/json' });
  }

  async createJob(plan: Record<string, unknown>) {
    return (await this.json<{ id: string; uploadToken: string; command: string; runArgs: string[] }>('POST', '/v1/jobs', plan)).data;
  }

  async getJob(jobId: string) {
    return (await this.request<JobState>('GET', `/v1/jobs/${jobId}`)).data;
  }

  /** Uploads a shard part; `created` is false when the same bytes were uploaded before. */
  async putShard(jobId: string, index: number, bytes: Uint8Array, contentType: string) {
    const headers = { 'content-type': contentType, 'x-content-sha256': sha256Hex(bytes) };
    return (await this.request<{ created: boolean; checksum: string }>('PUT', `/v1/jobs/${jobId}/shards/${index}`, bytes, headers)).data;
  }

  async complete(jobId: string, allowPartial = false) {
    return (await this.json<{ statsId: string; mixtureId?: string; url?: string; shardsIncluded: number[]; partial: boolean }>('POST', `/v1/jobs/${jobId}/complete`, { allowPartial })).data;
  }

  /** Leases the next pending shard of any open job, or returns undefined when none is pending. */
  async claim(worker: string, leaseSeconds: number): Promise<Claim | undefined> {
    const { status, data } = await this.json<Claim>('POST', '/v1/jobs/claim', { worker, leaseSeconds });
    return status === 204 ? undefined : data;
  }

  async renew(jobId: string, index: number, leaseId: string, leaseSeconds: number) {
    return (await this.json<{ leaseExpiresAt: string }>('POST', `/v1/jobs/${jobId}/shards/${index}/lease`, { leaseId, leaseSeconds })).data;
  }

  /** Releases a lease; `error` reports a failed run so the service delays the shard and counts the attempt. */
  async release(jobId: string, index: number, leaseId: string, error?: string) {
    const path = `/v1/jobs/${jobId}/shards/${index}/lease?leaseId=${leaseId}`;
    if (error === undefined) return (await this.request<{ released: boolean }>('DELETE', path)).data;
    const body = JSON.stringify({ failed: true, error: error.slice(0, MAX_ERROR_LENGTH) });
    return (await this.request<{ released: boolean }>('DELETE', path, body, { 'content-type': 'application/json' })).data;
  }
}

export interface JobState {
  id: string;
  status: string;
  plan: { shards: number; samplesPerDataset?: number; seed?: number; embedArgs?: string[] };
  shards: { index: number; state: string; part?: { checksum: string } }[];
  result?: { statsId: string; mixtureId?: string };
}
