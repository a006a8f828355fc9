import type { FuzzRequest } from './requests.js';

export interface Outcome {
  request: FuzzRequest;
  status: number;
  ms: number;
  problem?: string;
}

export interface FuzzTally {
  total: number;
  byStatus: Record<string, number>;
  byKind: Record<string, Record<string, number>>;
  problems: string[];
  slowestMs: number;
  /** Requests the Request constructor itself refused (header values outside Latin-1), never sent. */
  unsendable: number;
}

export function newTally(): FuzzTally {
  return { total: 0, byStatus: {}, byKind: {}, problems: [], slowestMs: 0, unsendable: 0 };
}

function describe(request: FuzzRequest): string {
  let body = '';
  if (typeof request.body === 'string') body = request.body.slice(0, 120);
  else if (request.body !== undefined) body = `<${request.body.length} bytes>`;
  return `${request.method} ${request.path.slice(0, 120)} ${body}`;
}

/** Returns a problem description unless the response is a 2xx, or a 4xx with `{error: {code, message}}`. */
async function judge(request: FuzzRequest, res: Response): Promise<string | undefined> {
  if (res.status >= 500) return `status ${res.status}: ${(await res.text()).slice(0, 300)}`;
  if (res.status < 400 || request.method === 'HEAD') {
    await res.body?.cancel();
    return undefined;
  }
  const type = res.headers.get('content-type') ?? '';
  // The share page returns an HTML page for an unknown id, as a browser expects.
  if (request.path.startsWith('/m/') && res.status === 404 && type.startsWith('text/html')) {
    await res.body?.cancel();
    return undefined;
  }
  const text = await res.text();
  try {
    const body = JSON.parse(text);
    if (typeof body?.error?.code !== 'string' || typeof body.error.message !== 'string' || !body.error.message) {
      return `status ${res.status} without {error:{code,message}}: ${text.slice(0, 200)}`;
    }
  } catch {
    return `status ${res.status} with a non-JSON body: ${text.slice(0, 200)}`;
  }
  return undefined;
}

/**
 * Sends `requests` through `send`, `concurrency` at a time; each must respond
 * within `timeoutMs`. Returns the tally, and the outcomes to `onOutcome`.
 */
export async function runFuzz(
  requests: Iterable<FuzzRequest>,
  send: (request: Request) => Promise<Response>,
  options: { origin: string; concurrency: number; timeoutMs: number; onOutcome?: (o: Outcome) => void },
): Promise<FuzzTally> {
  const tally = newTally();
  const iterator = requests[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      const request = next.value;
      let built: Request;
      try {
        built = new Request(options.origin + request.path, { method: request.method, headers: request.headers, body: request.body as BodyInit | undefined });
      } catch {
        tally.unsendable++;
        continue;
      }
      const started = Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no response within ${options.timeoutMs} ms`)), options.timeoutMs);
      });
      let status = 0;
      let problem: string | undefined;
      try {
        const res = await Promise.race([send(built), timeout]);
        status = res.status;
        problem = await judge(request, res);
      } catch (err) {
        problem = `threw ${(err as Error).message}`;
      } finally {
        clearTimeout(timer);
      }
      const ms = Date.now() - started;
      tally.total++;
      tally.slowestMs = Math.max(tally.slowestMs, ms);
      tally.byStatus[status] = (tally.byStatus[status] ?? 0) + 1;
      const kind = (tally.byKind[request.kind] ??= {});
      kind[status] = (kind[status] ?? 0) + 1;
      if (problem) tally.problems.push(`${describe(request)} -> ${problem}`);
      options.onOutcome?.({ request, status, ms, problem });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return tally;
}

export function mergeTallies(tallies: FuzzTally[]): FuzzTally {
  const out = newTally();
  for (const t of tallies) {
    out.total += t.total;
    out.unsendable += t.unsendable;
    out.slowestMs = Math.max(out.slowestMs, t.slowestMs);
    out.problems.push(...t.problems);
    for (const [s, n] of Object.entries(t.byStatus)) out.byStatus[s] = (out.byStatus[s] ?? 0) + n;
    for (const [k, m] of Object.entries(t.byKind)) {
      const kind = (out.byKind[k] ??= {});
      for (const [s, n] of Object.entries(m)) kind[s] = (kind[s] ?? 0) + n;
    }
  }
  return out;
}
