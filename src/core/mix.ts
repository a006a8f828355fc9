import { MadmixError } from './errors.js';
import type { LinalgBackend } from './linalg/backend.js';
import { getBackend } from './linalg/index.js';
import { modalityShare, weightDiagnostics } from './methods/diagnostics.js';
import { METHODS, DEFAULTS, resolveParams } from './methods/params.js';
import { regularizationPath as pathOverGrid } from './methods/path.js';
import { RUNNERS } from './methods/registry.js';
import type { Diagnostics, MixtureRequest, MixtureResult, RegularizationPath } from './methods/types.js';
import { byName } from './methods/weights.js';
import { hashStats } from './stats/index.js';
import type { StatsSet } from './stats/types.js';
import { SOLVER_VERSION } from './version.js';

export { METHODS, DEFAULTS, resolveParams };

export interface ComputeOptions {
  /** Linear algebra backend; `getBackend()` by default (WASM once loaded, else plain TypeScript). */
  backend?: LinalgBackend;
  /** Content hash of `set`; computed with `hashStats` when absent. */
  inputHash?: string;
}

/**
 * Computes the requested mixture over `set`: weights keyed by domain
 * name that are finite, nonnegative and sum to 1, with the method's
 * intermediate values, diagnostics and the identity of the inputs.
 */
export async function computeMixture(set: StatsSet, request: MixtureRequest, options: ComputeOptions = {}): Promise<MixtureResult> {
  const backend = options.backend ?? getBackend();
  checkDomains(set);
  const params = resolveParams(request, set);
  const output = RUNNERS[request.method](set, params, backend);
  const names = set.domains.map((d) => d.name);
  assertWeights(names, output.weights);

  const diagnostics: Diagnostics = { ...weightDiagnostics(set, output.weights), backend: backend.name };
  if (output.kernel) {
    const { modalities, ...kernel } = output.kernel;
    Object.assign(diagnostics, dropUndefined(kernel));
    diagnostics.modalityShare = modalityShare(set, modalities, (params.normalize as 'none' | 'l2' | undefined) ?? 'none');
  }
  const result: MixtureResult = {
    method: request.method,
    params,
    solverVersion: SOLVER_VERSION,
    inputHash: options.inputHash ?? (await hashStats(set)),
    domains: names,
    weights: byName(names, output.weights),
    diagnostics,
  };
  for (const key of ['scores', 'alpha', 'modalityScores', 'leverage', 'components', 'warnings'] as const) {
    if (output[key] !== undefined) (result as unknown as Record<string, unknown>)[key] = output[key];
  }
  return result;
}

/** MaD-Mix weights and effective dimension over a log grid of `lambda` from 1e-3 to 1e4 (25 points by default). */
export async function regularizationPath(
  set: StatsSet,
  params: Record<string, unknown> = {},
  options: { backend?: LinalgBackend; points?: number } = {},
): Promise<RegularizationPath> {
  checkDomains(set);
  return pathOverGrid(set, params, { backend: options.backend ?? getBackend(), points: options.points });
}

function checkDomains(set: StatsSet): void {
  if (!set || !Array.isArray(set.domains) || set.domains.length === 0) {
    throw new MadmixError('invalid_stats', 'The statistics set has no domains; add at least one domain.');
  }
  const seen = new Set<string>();
  for (const { name } of set.domains) {
    if (seen.has(name)) {
      throw new MadmixError('duplicate_domain', `Domain name ${JSON.stringify(name)} appears twice; give every domain a unique name.`, { domain: name });
    }
    seen.add(name);
  }
}

/** Guards the output contract; a failure here is a solver bug, not a user error. */
function assertWeights(names: string[], weights: Float64Array): void {
  let total = 0;
  weights.forEach((w, i) => {
    if (!Number.isFinite(w) || w < 0) throw new MadmixError('internal', `Weight of domain ${JSON.stringify(names[i])} is ${w}.`);
    total += w;
  });
  if (weights.length !== names.length || Math.abs(total - 1) > 1e-12) {
    throw new MadmixError('internal', `Weights sum to ${total} over ${weights.length} of ${names.length} domains.`);
  }
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
