/** Human-readable API reference at `/docs`; `/openapi.json` is the machine-readable one. */
import { EXPORT_FORMATS } from '../../core/exports/index.js';
import { DEFAULT_MAX_EPOCHS } from '../../core/exports/plan.js';
import { DEFAULTS, METHODS } from '../../core/methods/params.js';
import { MAX_DOMAINS, MAX_INLINE_BODY_BYTES, MAX_MERGE_SETS, MAX_MODALITIES, MAX_TOTAL_WIDTH, MAX_UPLOAD_BODY_BYTES, MIB } from '../limits.js';
import { methodLabel, paramsText } from './format.js';
import { Layout, renderDocument } from './layout.js';

const ROUTES: [string, string, string][] = [
  ['GET', '/v1', 'Service description and version.'],
  ['POST', '/v1/stats', `Upload a statistics set (JSON stats form, centroids form or safetensors, up to ${MAX_UPLOAD_BODY_BYTES / MIB} MiB). Write token.`],
  ['GET', '/v1/stats', 'List stored sets, one page at a time (cursor, limit). Read token.'],
  ['GET', '/v1/stats/{id}', 'Summary of a stored set: domains, modalities, sizes. Read token.'],
  ['GET', '/v1/stats/{id}/download', 'The set as safetensors or JSON (format=json). Read token.'],
  ['POST', '/v1/stats/merge', `Merge 2 to ${MAX_MERGE_SETS} stored sets exactly: {"ids": [stats id, ...]}, distinct 64-hex ids. Counts and sums add; the merged set must fit the upload limit as float64 safetensors. Returns {id, hash, created, size, summary}, 201 when new, 200 when already stored. Write token.`],
  ['DELETE', '/v1/stats/{id}', 'Delete a stored set; results computed from it stay. Write token.'],
  ['POST', '/v1/mixtures', `Compute one mixture: {"stats": id or inline set, "method", "params"}. Body up to ${MAX_INLINE_BODY_BYTES / MIB} MiB. Public, rate-limited without a token.`],
  ['POST', '/v1/compare', 'Compute 2 to 8 methods on one set: {"stats", "methods": [{"method", "params"}]}.'],
  ['GET', '/v1/mixtures/{id}', 'A stored result (immutable) with its share URL.'],
  ['GET', '/v1/mixtures/{id}/export/{format}', 'Download a result for a training framework; query budget, unit, maxEpochs, index.'],
  ['POST', '/v1/jobs', 'Create an embedding job for named domains and modalities: returns the job id, a job-scoped upload token that expires, and the command that runs the batch script. Write token.'],
  ['POST', '/v1/jobs/claim', 'Lease the next pending shard of any open job, for batch workers started with --watch; 204 when nothing is pending. Write token.'],
  ['GET', '/v1/jobs/{id}', 'Job status: per-shard state and lease, per-domain counts received, result ids. Read, write or that job\'s token.'],
  ['PUT', '/v1/jobs/{id}/shards/{index}', 'Upload one shard\'s statistics with x-content-sha256; sending the same bytes again is harmless, different bytes get 409. Write or that job\'s token.'],
  ['POST', '/v1/jobs/{id}/shards/{index}/lease', 'Renew a shard lease ({leaseId, leaseSeconds}); DELETE releases it. Write token.'],
  ['POST', '/v1/jobs/{id}/complete', 'Merge the uploaded shards exactly into a stored set and compute the job\'s mixture; {"allowPartial": true} merges the shards present. Write or that job\'s token.'],
  ['GET', '/m/{id}', 'Share page of a result.'],
  ['GET', '/s/{id}', 'Page of a stored set: identity, domains, stored mixtures, and forms to compute a mixture or create an embedding job. Anyone with the id can open it.'],
  ['POST', '/s/{id}/mixtures', 'Compute form (application/x-www-form-urlencoded: method, lambda, temperature, modality). Same checks, rate limit and result id as POST /v1/mixtures; redirects (303) to /m/{result id}, or shows the error on the set page.'],
  ['POST', '/s/{id}/jobs', 'Job form (token, shards, samples, seed, folder). The token field is checked like a write bearer token; creates a job for the set\'s domains and modalities and shows its upload token once.'],
];

const ERRORS: [string, number, string][] = [
  ['invalid_json', 400, 'The body is not valid JSON.'],
  ['unauthorized', 401, 'The route needs a bearer token and none (or an unknown one) was sent.'],
  ['forbidden', 403, 'The token has the read role where write is needed.'],
  ['not_found', 404, 'No such set, result or route.'],
  ['method_not_allowed', 405, 'The route exists but not for this HTTP method.'],
  ['payload_too_large', 413, 'The body exceeds the route limit.'],
  ['unsupported_media_type', 415, 'The body is neither JSON nor safetensors.'],
  ['invalid_stats, invalid_safetensors', 422, 'The set is malformed: missing counts, wrong widths, NaN sums, empty domains.'],
  ['invalid_parameter, unknown_parameter, unknown_method, unknown_domain, unknown_modality, duplicate_domain', 422, 'A request field is invalid; the message names the field, the value and the fix.'],
  ['problem_too_large', 422, 'The set exceeds the solve limits in the Limits section; solve it with the CLI.'],
  ['rate_limited', 429, 'Too many requests without a token; see Retry-After.'],
  ['conflict', 409, 'A job shard was already uploaded with other bytes, or shards are missing at completion.'],
  ['storage_unavailable', 503, 'R2 failed or timed out; retry after Retry-After. Nothing half-written is kept.'],
  ['internal', 500, 'A bug; quote the request id.'],
];

const FORMAT_NOTES: Record<string, string> = {
  json: 'Provenance, per-domain weights, scores, sizes, implied samples and epochs, warnings, and the full result.',
  csv: 'One row per domain (RFC 4180); provenance is repeated in columns. Names starting with = + - @ get a leading apostrophe so spreadsheets do not run them.',
  megatron: 'Megatron-LM arguments --data-path w1 p1 w2 p2 …; paths are shell-quoted placeholders.',
  energon: 'Megatron-Energon MetadatasetV2 YAML with a weighted blend of the train split.',
  llava: 'LLaVA-OneVision data YAML: json_path and sampling_strategy ("all", "random:N"); a dataset used for several epochs is listed once per pass. Without a budget the mixture is scaled so no dataset repeats.',
  hf: 'Python snippet for datasets.interleave_datasets with names and probabilities in one explicit order.',
  datajuicer: 'Data-Juicer dataset_path with "<weight> <path>" pairs.',
};

function DocsPage() {
  return (
    <Layout meta={{ title: 'madmix API docs', description: 'Routes, parameters, defaults, errors, limits and export formats of the madmix API.' }}>
      <h1>API docs</h1>
      <p class="lede">JSON over HTTPS. Errors are {'{"error": {"code", "message", "details"}, "requestId"}'}. Tokens go in Authorization: Bearer.</p>
      <h2>Routes</h2>
      <table>
        <thead><tr><th>Route</th><th>What it does</th></tr></thead>
        <tbody>{ROUTES.map(([method, path, text]) => <tr><td><code>{`${method} ${path}`}</code></td><td style="text-align:left">{text}</td></tr>)}</tbody>
      </table>
      <h2>Methods and defaults</h2>
      <table>
        <thead><tr><th>method</th><th>Name</th><th>Defaults</th></tr></thead>
        <tbody>
          {METHODS.map((m) => <tr><td><code>{m}</code></td><td style="text-align:left">{methodLabel(m)}</td><td style="text-align:left"><code>{paramsText(DEFAULTS[m]) || 'none'}</code></td></tr>)}
        </tbody>
      </table>
      <p>
        lambda is the ridge regularization (1e-12 to 1e12), temperature the softmax temperature, normalize none or l2. modality selects the
        modality for modality and chameleon and is required when the set has several. stage (pretrain or finetune) picks Chameleon's
        direction. size (samples or tokens) picks the size for the size baselines. unimax takes budget and maxEpochs; manual takes weights
        keyed by domain name. Unknown parameters are rejected.
      </p>
      <h2>Exports</h2>
      <table>
        <thead><tr><th>format</th><th>Contents</th></tr></thead>
        <tbody>{EXPORT_FORMATS.map((f) => <tr><td><code>{f}</code></td><td style="text-align:left">{FORMAT_NOTES[f]}</td></tr>)}</tbody>
      </table>
      <p>
        Query parameters: budget (positive, in unit), unit (samples or tokens, default samples; tokens convert with each domain's tokens per
        sample), maxEpochs (default {DEFAULT_MAX_EPOCHS}; warn above it), index (which result of a comparison, default 0). With a budget,
        each domain gets its implied samples (rounded so they sum to the budget) and epochs (samples over domain size), with warnings where a
        nonzero weight rounds to zero samples or a domain repeats more than maxEpochs. Every export names the result id, statistics hash,
        method, parameters and solver version.
      </p>
      <h2>Limits</h2>
      <ul>
        <li>{`Upload body: ${MAX_UPLOAD_BODY_BYTES / MIB} MiB; inline set in a mixture request: ${MAX_INLINE_BODY_BYTES / MIB} MiB.`}</li>
        <li>{`Solve: at most ${MAX_DOMAINS} domains, ${MAX_MODALITIES} modalities and a total embedding width of ${MAX_TOTAL_WIDTH}.`}</li>
      </ul>
      <h2>Errors</h2>
      <table>
        <thead><tr><th>code</th><th>Status</th><th>Meaning</th></tr></thead>
        <tbody>{ERRORS.map(([code, status, text]) => <tr><td><code>{code}</code></td><td>{status}</td><td style="text-align:left">{text}</td></tr>)}</tbody>
      </table>
    </Layout>
  );
}

export const renderDocs = (): Promise<string> => renderDocument(<DocsPage />);
