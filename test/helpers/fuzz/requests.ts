import type { Rng } from './rng.js';
import { mutateSafetensors, mutateStatsJson, validStatsJson } from './stats-mutations.js';
import { brokenJson, deepJson, HOSTILE_IDS, HOSTILE_NAMES, hostileValue } from './values.js';

/** Seeded state the fuzzer draws on: stored ids, tokens and a valid safetensors file. */
export interface FuzzContext {
  statsIds: string[];
  resultIds: string[];
  jobId: string;
  jobToken: string;
  otherJobToken: string;
  writeToken: string;
  readToken: string;
  safetensors: Uint8Array;
}

export interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const METHODS = ['madmix', 'avg', 'modality', 'chameleon', 'uniform', 'proportional', 'temperature', 'unimax', 'manual', 'nope', ''];
const PARAMS = ['lambda', 'temperature', 'normalize', 'modality', 'stage', 'budget', 'maxEpochs', 'weights', 'size', 'bogus', '__proto__'];
const EXPORTS = ['json', 'csv', 'yaml', 'llava', 'webdataset', 'megatron', 'nemo', 'nope', '..', '%2e%2e'];
const TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-safetensors', 'application/octet-stream',
  'multipart/form-data; boundary=x', 'multipart/form-data', 'application/vnd.api+json', '', 'application/x-www-form-urlencoded', 'json'];

function id(rng: Rng, valid: string[], hexLength: number): string {
  const roll = rng.next();
  if (roll < 0.35 && valid.length) return rng.pick(valid);
  if (roll < 0.55) return rng.hex(hexLength);
  return rng.pick(HOSTILE_IDS);
}

function auth(rng: Rng, ctx: FuzzContext): Record<string, string> {
  const roll = rng.next();
  if (roll < 0.55) return { authorization: `Bearer ${ctx.writeToken}` };
  if (roll < 0.65) return { authorization: `Bearer ${ctx.readToken}` };
  if (roll < 0.7) return { authorization: `Bearer ${rng.pick([ctx.jobToken, ctx.otherJobToken])}` };
  if (roll < 0.78) return { authorization: rng.pick(['Bearer', 'Bearer ', 'Basic abc', `Bearer ${'x'.repeat(5000)}`, 'Bearer a b', 'bearer mjt_', `Bearer mjt_${rng.hex(32)}_${rng.hex(64)}`, 'Bearer \t', 'Bearer %00']) };
  // Anonymous clients get a fresh address, so the fuzz mostly measures validation rather than the rate limit.
  return { 'cf-connecting-ip': `10.${rng.int(256)}.${rng.int(256)}.${rng.int(256)}` };
}

function params(rng: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = rng.int(4); i > 0; i--) out[rng.pick(PARAMS)] = hostileValue(rng);
  return out;
}

/** Builds a JSON-like body for a compute route: a stored id, an inline hostile set or garbage. */
function computeBody(rng: Rng, ctx: FuzzContext, compare: boolean): string {
  const base = validStatsJson(3, rng.int(5));
  const stats = rng.chance(0.4) ? id(rng, ctx.statsIds, 64) : rng.chance(0.5) ? JSON.parse(safeMutation(rng, base)) : hostileValue(rng);
  if (rng.chance(0.15)) return brokenJson(rng, JSON.stringify({ stats: ctx.statsIds[0] ?? '', method: 'madmix' }));
  if (rng.chance(0.03)) return '{"stats":"' + 'a'.repeat(64) + '","params":' + deepJson(10_000, '{"x":', '}').replace(/}+$/, '') + '1' + '}'.repeat(10_001);
  if (compare) {
    const methods = Array.from({ length: rng.int(10) }, () => ({ method: rng.pick(METHODS), params: params(rng) }));
    return JSON.stringify({ stats, methods: rng.chance(0.1) ? hostileValue(rng) : methods });
  }
  const body: Record<string, unknown> = { stats, method: rng.pick(METHODS), params: params(rng) };
  if (rng.chance(0.1)) body[rng.pick(['extra', '__proto__', 'constructor'])] = hostileValue(rng);
  return JSON.stringify(body);
}

/** Returns a stats mutation that is still JSON text, or else the valid base. */
function safeMutation(rng: Rng, base: Record<string, unknown>): string {
  const text = mutateStatsJson(rng, base);
  try {
    JSON.parse(text);
    return text;
  } catch {
    return JSON.stringify(base);
  }
}

function uploadBody(rng: Rng, ctx: FuzzContext): { body: string | Uint8Array; type: string } {
  const roll = rng.next();
  if (roll < 0.35) return { body: mutateSafetensors(rng, ctx.safetensors), type: rng.pick(['application/x-safetensors', 'application/octet-stream']) };
  if (roll < 0.7) return { body: mutateStatsJson(rng, validStatsJson(3, rng.int(9))), type: 'application/json' };
  if (roll < 0.8) return { body: brokenJson(rng, JSON.stringify(validStatsJson())), type: 'application/json' };
  if (roll < 0.9) return multipart(rng, ctx);
  return { body: rng.chance(0.5) ? mutateSafetensors(rng, ctx.safetensors) : mutateStatsJson(rng, validStatsJson()), type: rng.pick(TYPES) };
}

function multipart(rng: Rng, ctx: FuzzContext): { body: string | Uint8Array; type: string } {
  const name = rng.pick(['file', 'other', '', HOSTILE_NAMES[0]]);
  const content = rng.chance(0.5) ? JSON.stringify(validStatsJson(3, 7)) : 'garbage';
  const body = `--b\r\nContent-Disposition: form-data; name="${name}"; filename="${rng.pick(HOSTILE_NAMES).slice(0, 40)}"\r\nContent-Type: application/json\r\n\r\n${content}\r\n${rng.chance(0.7) ? '--b--\r\n' : ''}`;
  return { body: rng.chance(0.1) ? ctx.safetensors : body, type: rng.pick(['multipart/form-data; boundary=b', 'multipart/form-data', 'multipart/form-data; boundary=zz']) };
}

type Builder = (rng: Rng, ctx: FuzzContext) => Omit<FuzzRequest, 'headers'> & { headers?: Record<string, string> };

const json = { 'content-type': 'application/json' };
const BUILDERS: Record<string, Builder> = {
  upload: (rng, ctx) => {
    const { body, type } = uploadBody(rng, ctx);
    const headers: Record<string, string> = type ? { 'content-type': type } : {};
    return { kind: 'upload', method: 'POST', path: '/v1/stats', body, headers };
  },
  list: (rng) => ({ kind: 'list', method: 'GET', path: `/v1/stats?${rng.pick(['', 'limit=0', 'limit=-1', 'limit=1e9', 'limit=NaN', 'limit=2', 'cursor=../x', 'cursor=' + 'a'.repeat(2000), 'cursor=%00', 'cursor=abc&limit=5'])}` }),
  summary: (rng, ctx) => ({ kind: 'summary', method: 'GET', path: `/v1/stats/${id(rng, ctx.statsIds, 64)}` }),
  download: (rng, ctx) => ({ kind: 'download', method: 'GET', path: `/v1/stats/${id(rng, ctx.statsIds, 64)}/download?format=${rng.pick(['json', 'safetensors', 'xml', '', '../x'])}` }),
  merge: (rng, ctx) => {
    const ids = Array.from({ length: rng.int(20) }, () => id(rng, ctx.statsIds, 64));
    const body = rng.chance(0.2) ? brokenJson(rng, '{"ids":[]}') : JSON.stringify({ ids: rng.chance(0.1) ? hostileValue(rng) : ids });
    return { kind: 'merge', method: 'POST', path: '/v1/stats/merge', body, headers: json };
  },
  delete: (rng, ctx) => ({ kind: 'delete', method: 'DELETE', path: `/v1/stats/${id(rng, [], 64)}` }),
  mixture: (rng, ctx) => ({ kind: 'mixture', method: 'POST', path: '/v1/mixtures', body: computeBody(rng, ctx, false), headers: json }),
  compare: (rng, ctx) => ({ kind: 'compare', method: 'POST', path: '/v1/compare', body: computeBody(rng, ctx, true), headers: json }),
  result: (rng, ctx) => ({ kind: 'result', method: 'GET', path: `/v1/mixtures/${id(rng, ctx.resultIds, 32)}` }),
  export: (rng, ctx) => {
    const query = rng.pick(['', '?budget=1000', '?budget=-1', '?budget=NaN', '?budget=1e400', '?unit=tokens&budget=5', '?index=9', '?maxEpochs=0', '?unit=../']);
    return { kind: 'export', method: 'GET', path: `/v1/mixtures/${id(rng, ctx.resultIds, 32)}/export/${rng.pick(EXPORTS)}${query}` };
  },
  share: (rng, ctx) => ({ kind: 'share', method: 'GET', path: `/m/${id(rng, ctx.resultIds, 32)}${rng.pick(['', '?budget=10', '?budget=-5&unit=x', '?maxEpochs=NaN', '?budget=' + '9'.repeat(400)])}` }),
  pages: (rng) => ({ kind: 'pages', method: rng.pick(['GET', 'HEAD']), path: rng.pick(['/', '/docs', '/openapi.json', '/v1', '/v1/', '/favicon.ico', '/../../etc/passwd', '/%2e%2e/%2e%2e', '/v1/%00', '/m/', '/v2']) }),
  jobCreate: (rng) => ({
    kind: 'jobs', method: 'POST', path: '/v1/jobs', headers: json,
    body: rng.chance(0.2) ? brokenJson(rng, '{}') : JSON.stringify({ name: rng.pick(HOSTILE_NAMES), domains: [{ name: rng.pick(HOSTILE_NAMES) }, { name: 'b' }], modalities: [{ name: 'image' }], shards: hostileValue(rng) }),
  }),
  jobGet: (rng, ctx) => ({ kind: 'jobs', method: 'GET', path: `/v1/jobs/${id(rng, [ctx.jobId], 32)}` }),
  jobShard: (rng, ctx) => {
    const { body } = uploadBody(rng, ctx);
    const index = rng.pick(['0', '1', '1023', '1024', '-1', '01', 'x', '%2e%2e']);
    return { kind: 'jobs', method: 'PUT', path: `/v1/jobs/${id(rng, [ctx.jobId], 32)}/shards/${index}`, body, headers: { 'x-content-sha256': rng.chance(0.5) ? rng.hex(64) : rng.pick(HOSTILE_IDS.filter((h) => /^[\x20-\x7e]*$/.test(h))) } };
  },
  jobComplete: (rng, ctx) => ({ kind: 'jobs', method: 'POST', path: `/v1/jobs/${id(rng, [ctx.jobId], 32)}/complete`, body: rng.chance(0.5) ? '' : brokenJson(rng, '{"allowPartial":true}'), headers: json }),
  jobLease: (rng, ctx) => ({
    kind: 'jobs', method: rng.pick(['POST', 'DELETE']), path: `/v1/jobs/${id(rng, [ctx.jobId], 32)}/shards/${rng.pick(['0', '5', 'x'])}/lease?leaseId=${rng.pick(HOSTILE_IDS)}`,
    body: JSON.stringify({ leaseId: hostileValue(rng), leaseSeconds: hostileValue(rng) }), headers: json,
  }),
  jobClaim: (rng) => ({ kind: 'jobs', method: 'POST', path: '/v1/jobs/claim', body: JSON.stringify({ worker: hostileValue(rng), leaseSeconds: hostileValue(rng) }), headers: json }),
  wrongMethod: (rng) => ({ kind: 'method', method: rng.pick(['PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS', 'GET']), path: rng.pick(['/v1/mixtures', '/v1/compare', '/v1/stats/merge', '/openapi.json', '/docs', '/v1/stats/' + 'a'.repeat(64) + '/download']), body: undefined }),
};

const NAMES = Object.keys(BUILDERS);

/** Requests every run sends once: the deepest nesting, bodies at and past the limits, path tricks. */
export function edgeRequests(ctx: FuzzContext): FuzzRequest[] {
  const write = { authorization: `Bearer ${ctx.writeToken}`, 'content-type': 'application/json' };
  const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = write): FuzzRequest => ({ kind: 'edge', method: 'POST', path, headers, body });
  const deepArray = deepJson(10_000);
  const deepObject = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
  const giant = 'x'.repeat(3 * 1024 * 1024);
  return [
    post('/v1/mixtures', `{"stats":${deepArray}}`),
    post('/v1/mixtures', `{"stats":${deepObject}}`),
    post('/v1/mixtures', `{"stats":"${ctx.statsIds[0]}","params":${deepObject}}`),
    post('/v1/compare', `{"stats":${deepObject},"methods":[{"method":"madmix"},{"method":"avg"}]}`),
    post('/v1/stats', deepObject),
    post('/v1/stats', `{"format":"madmix.stats","version":1,"modalities":${deepObject},"domains":[]}`),
    post('/v1/stats/merge', `{"ids":${deepArray}}`),
    post('/v1/jobs', deepObject),
    post('/v1/mixtures', `{"stats":"${giant}"}`),
    post('/v1/stats', `{"meta":{"x":"${giant}"}}`),
    post('/v1/stats', new Uint8Array(16 * 1024 * 1024 + 1), { ...write, 'content-type': 'application/octet-stream' }),
    post('/v1/stats/merge', JSON.stringify({ ids: [giant.slice(0, 70_000)] })),
    post('/v1/mixtures', JSON.stringify({ stats: validStatsJson(3), params: { lambda: '1e400' } })),
    post('/v1/mixtures', JSON.stringify({ stats: validStatsJson(3), params: { lambda: 1e308, temperature: 5e-324 } })),
    post('/v1/mixtures', JSON.stringify({ stats: validStatsJson(3), method: 'manual', params: { weights: { 'dom-1-0': 1e308, 'dom-1-1': 1e308, 'dom-1-2': 1e308 } } })),
    ...['/v1/stats/..%2f..%2fresults', '/v1/stats/%2e%2e', '/v1/mixtures/..%2F..%2Fstats', '/m/..%2f', '/v1/stats/a%00b/download'].map((path) => ({ kind: 'edge', method: 'GET', path, headers: { authorization: `Bearer ${ctx.readToken}` } })),
  ];
}

/** Builds one hostile request; roughly equal shares per route, then a wrong content type now and then. */
export function fuzzRequest(rng: Rng, ctx: FuzzContext): FuzzRequest {
  const built = BUILDERS[rng.pick(NAMES)](rng, ctx);
  const headers = { ...auth(rng, ctx), ...(built.headers ?? {}) };
  if (built.body !== undefined && rng.chance(0.08)) headers['content-type'] = rng.pick(TYPES);
  if (built.method === 'OPTIONS') Object.assign(headers, { origin: 'https://evil.example', 'access-control-request-method': rng.pick(['GET', 'POST', 'DELETE']) });
  const body = built.method === 'GET' || built.method === 'HEAD' ? undefined : built.body;
  return { kind: built.kind, method: built.method, path: built.path, headers, body };
}
