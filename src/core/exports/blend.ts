import { commentText } from './quote.js';
import { apportion, type MixturePlan } from './plan.js';

/** One weighted source of a framework blend: a dataset of a domain, or the domain itself. */
export interface BlendEntry {
  /** Placeholder path: the dataset name, or the domain name when it lists no datasets. */
  path: string;
  domain: string;
  /**
   * Share of the mixture: the stored weight itself for a domain entry, so the
   * file shows the same digits as the API. A dataset entry gets its share of its domain's weight.
   */
  weight: number;
  /** Whole samples the budget implies for this entry. */
  impliedSamples?: number;
  /** Samples in this entry's source, when known. */
  samples?: number;
}

export interface Blend {
  entries: BlendEntry[];
  /** Domains left out because their weight is 0. */
  omitted: string[];
  notes: string[];
}

/**
 * Turns a plan into framework blend entries. A domain that lists datasets has
 * its weight split over them in proportion to their size in the plan's unit
 * (falling back to samples, then to equal parts with a note).
 */
export function buildBlend(plan: MixturePlan): Blend {
  const blend: Blend = { entries: [], omitted: [], notes: [] };
  for (const d of plan.domains) {
    if (!(d.weight > 0)) {
      blend.omitted.push(d.name);
      continue;
    }
    const weight = d.weight;
    const datasets = d.datasets ?? [];
    if (datasets.length === 0) {
      blend.entries.push({ path: d.name, domain: d.name, weight, impliedSamples: d.impliedSamples, samples: d.samples });
      continue;
    }
    const shares = datasetShares(datasets, plan.unit);
    if (!shares) {
      blend.notes.push(`Domain ${JSON.stringify(d.name)}: its datasets have no sizes, so its weight is split equally over them.`);
    }
    const split = shares ?? datasets.map(() => 1);
    const shareSum = split.reduce((a, b) => a + b, 0);
    const parts = d.impliedSamples === undefined ? undefined : apportion(split, d.impliedSamples);
    datasets.forEach((ds, i) => {
      blend.entries.push({
        path: ds.name,
        domain: d.name,
        weight: (weight * split[i]) / shareSum,
        impliedSamples: parts?.[i],
        samples: ds.samples,
      });
    });
  }
  return blend;
}

function datasetShares(datasets: { samples?: number; tokens?: number }[], unit: 'samples' | 'tokens'): number[] | undefined {
  const keys: ('samples' | 'tokens')[] = unit === 'tokens' ? ['tokens', 'samples'] : ['samples'];
  for (const key of keys) {
    const sizes = datasets.map((ds) => ds[key]);
    if (sizes.every((s): s is number => typeof s === 'number' && s > 0)) return sizes;
  }
  return undefined;
}

/** Provenance of an export: which result, inputs, method, parameters and solver produced it. */
export function provenance(plan: MixturePlan): Record<string, unknown> {
  const { stored, result } = plan;
  return {
    resultId: stored.id,
    kind: stored.kind,
    resultIndex: plan.resultIndex,
    createdAt: stored.createdAt,
    statsHash: result.inputHash || stored.statsId,
    method: result.method,
    params: result.params,
    solverVersion: result.solverVersion,
    unit: plan.unit,
    ...(plan.budget === undefined ? {} : { budget: plan.budget, maxEpochs: plan.maxEpochs }),
  };
}

/** Comment lines (with the marker) that open every text export. */
export function headerComment(marker: string, plan: MixturePlan, blend: Blend | undefined, lines: string[]): string {
  const p = provenance(plan);
  const out = [
    `madmix mixture export. Result ${p.resultId} (${p.kind}, index ${p.resultIndex}), created ${p.createdAt}.`,
    `Statistics set sha256 ${p.statsHash}; method ${p.method}; solver ${p.solverVersion}.`,
    `Parameters: ${JSON.stringify(p.params)}`,
    `Weights are shares of the training budget in ${plan.unit}.`,
    ...(plan.budget === undefined ? [] : [`Budget: ${plan.budget} ${plan.unit}; epoch warning above ${plan.maxEpochs}.`]),
    ...lines,
    ...(blend && blend.omitted.length > 0 ? [`Left out with weight 0: ${blend.omitted.map((n) => JSON.stringify(n)).join(', ')}.`] : []),
    ...(blend?.notes ?? []).map((n) => `Note: ${n}`),
    ...plan.warnings.map((w) => `Warning: ${w}`),
  ];
  return out.map((line) => `${marker} ${commentText(line)}`).join('\n') + '\n';
}
