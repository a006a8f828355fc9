/** The route x token table of test/worker/security.test.ts. */

export const TOKEN_KINDS = ['none', 'wrong', 'expiredJob', 'otherJob', 'ownJob', 'read', 'write'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export interface SecurityFixtures {
  statsId: string;
  resultId: string;
  /** Job the row's path names; `ownJob` is its token, `otherJob` the token of another job. */
  jobId: string;
  expiredJobId: string;
  /** Uploads a fresh set and returns its id, for rows that delete. */
  freshStats: () => Promise<string>;
  part: string;
  partSha: string;
}

export interface Cell {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface Row {
  route: string;
  build: (f: SecurityFixtures, kind: TokenKind) => Promise<Cell> | Cell;
  expect: Record<TokenKind, number[]>;
}

const json = { 'content-type': 'application/json' };
const ok = (...codes: number[]) => codes;
/** Public routes: any token but a job token (which is scoped to its job) reaches them. */
const publicRead = (status = 200): Record<TokenKind, number[]> => ({
  none: [status], wrong: [status], expiredJob: [403], otherJob: [403], ownJob: [403], read: [status], write: [status],
});
const readRoute: Record<TokenKind, number[]> = { none: [401], wrong: [401], expiredJob: [403], otherJob: [403], ownJob: [403], read: [200], write: [200] };
const writeRoute = (...success: number[]): Record<TokenKind, number[]> => ({
  none: [401], wrong: [401], expiredJob: [403], otherJob: [403], ownJob: [403], read: [403], write: success,
});
const compute: Record<TokenKind, number[]> = { none: ok(200, 201), wrong: [401], expiredJob: [403], otherJob: [403], ownJob: [403], read: ok(200, 201), write: ok(200, 201) };
/** Job routes that accept the job's own token (GET, shard PUT, complete). */
const jobRoute = (readOk: number[], writeOk: number[]): Record<TokenKind, number[]> => ({
  none: [401], wrong: [401], expiredJob: [401], otherJob: [403], ownJob: writeOk, read: readOk, write: writeOk,
});

/** The expired job's own routes are used for that column, so the expiry is what fails. */
const job = (f: SecurityFixtures, kind: TokenKind) => (kind === 'expiredJob' ? f.expiredJobId : f.jobId);

export const ROWS: Row[] = [
  { route: 'GET /', build: () => ({ method: 'GET', path: '/' }), expect: publicRead() },
  { route: 'GET /docs', build: () => ({ method: 'GET', path: '/docs' }), expect: publicRead() },
  { route: 'GET /openapi.json', build: () => ({ method: 'GET', path: '/openapi.json' }), expect: publicRead() },
  { route: 'GET /v1', build: () => ({ method: 'GET', path: '/v1' }), expect: publicRead() },
  { route: 'GET /m/:id', build: (f) => ({ method: 'GET', path: `/m/${f.resultId}` }), expect: publicRead() },
  { route: 'GET /v1/mixtures/:id', build: (f) => ({ method: 'GET', path: `/v1/mixtures/${f.resultId}` }), expect: publicRead() },
  { route: 'GET /v1/mixtures/:id/export/:format', build: (f) => ({ method: 'GET', path: `/v1/mixtures/${f.resultId}/export/json` }), expect: publicRead() },
  { route: 'POST /v1/mixtures', build: (f) => ({ method: 'POST', path: '/v1/mixtures', headers: json, body: JSON.stringify({ stats: f.statsId }) }), expect: compute },
  {
    route: 'POST /v1/compare',
    build: (f) => ({ method: 'POST', path: '/v1/compare', headers: json, body: JSON.stringify({ stats: f.statsId, methods: [{ method: 'madmix' }, { method: 'uniform' }] }) }),
    expect: compute,
  },
  { route: 'POST /v1/stats', build: (f) => ({ method: 'POST', path: '/v1/stats', headers: json, body: f.part }), expect: writeRoute(200, 201) },
  { route: 'GET /v1/stats', build: () => ({ method: 'GET', path: '/v1/stats' }), expect: readRoute },
  { route: 'GET /v1/stats/:id', build: (f) => ({ method: 'GET', path: `/v1/stats/${f.statsId}` }), expect: readRoute },
  { route: 'GET /v1/stats/:id/download', build: (f) => ({ method: 'GET', path: `/v1/stats/${f.statsId}/download` }), expect: readRoute },
  {
    route: 'POST /v1/stats/merge',
    build: async (f) => ({ method: 'POST', path: '/v1/stats/merge', headers: json, body: JSON.stringify({ ids: [f.statsId, await f.freshStats()] }) }),
    expect: writeRoute(200, 201),
  },
  { route: 'DELETE /v1/stats/:id', build: async (f) => ({ method: 'DELETE', path: `/v1/stats/${await f.freshStats()}` }), expect: writeRoute(204) },
  {
    route: 'POST /v1/jobs',
    build: () => ({ method: 'POST', path: '/v1/jobs', headers: json, body: JSON.stringify({ name: 'sec', domains: [{ name: 'a' }, { name: 'b' }], modalities: [{ name: 'image' }], shards: 1 }) }),
    expect: writeRoute(201),
  },
  { route: 'POST /v1/jobs/claim', build: () => ({ method: 'POST', path: '/v1/jobs/claim', headers: json, body: JSON.stringify({ worker: 'sec' }) }), expect: writeRoute(200, 204) },
  { route: 'GET /v1/jobs/:id', build: (f, k) => ({ method: 'GET', path: `/v1/jobs/${job(f, k)}` }), expect: jobRoute([200], [200]) },
  {
    route: 'PUT /v1/jobs/:id/shards/:index',
    build: (f, k) => ({ method: 'PUT', path: `/v1/jobs/${job(f, k)}/shards/0`, headers: { ...json, 'x-content-sha256': f.partSha }, body: f.part }),
    expect: jobRoute([403], [200, 201]),
  },
  { route: 'POST /v1/jobs/:id/complete', build: (f, k) => ({ method: 'POST', path: `/v1/jobs/${job(f, k)}/complete`, headers: json, body: '' }), expect: jobRoute([403], [200, 201, 409]) },
  {
    route: 'POST /v1/jobs/:id/shards/:index/lease',
    build: (f, k) => ({ method: 'POST', path: `/v1/jobs/${job(f, k)}/shards/0/lease`, headers: json, body: JSON.stringify({ leaseId: 'a'.repeat(32) }) }),
    expect: writeRoute(200, 409),
  },
  {
    route: 'DELETE /v1/jobs/:id/shards/:index/lease',
    build: (f, k) => ({ method: 'DELETE', path: `/v1/jobs/${job(f, k)}/shards/0/lease?leaseId=${'a'.repeat(32)}` }),
    expect: writeRoute(200),
  },
];
