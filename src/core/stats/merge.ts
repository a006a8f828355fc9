import { MadmixError, show } from '../errors.js';
import { copyDataset, pickSizes, type Sizes } from './fields.js';
import type { DatasetSize, DomainStats, ModalityInfo, ModalityStats, StatsSet } from './types.js';

/**
 * Merges two statistics sets exactly: counts and sums of the same domain and
 * modality are added, so merging the shards of a job gives the statistics of
 * the whole job. Domains keep `a`'s order, then `b`'s new ones. Sizes
 * (`samples`, `tokens`, per-dataset sizes) add when both sides have them, and
 * otherwise the side that has them wins. On a `meta` key with two values,
 * `a`'s value is kept. Throws `invalid_stats` when a modality differs in dim,
 * model or layer, because centroids of different encoders cannot be added.
 * The inputs are not modified.
 */
export function mergeStats(a: StatsSet, b: StatsSet): StatsSet {
  const modalities = mergeModalities(a.modalities, b.modalities);
  const domains = a.domains.map(copyDomain);
  const index = new Map(domains.map((domain, position) => [domain.name, position]));
  for (const domain of b.domains) {
    const position = index.get(domain.name);
    if (position === undefined) {
      index.set(domain.name, domains.length);
      domains.push(copyDomain(domain));
    } else {
      domains[position] = mergeDomain(domains[position], domain);
    }
  }
  const merged: StatsSet = { modalities, domains };
  if (a.meta !== undefined || b.meta !== undefined) merged.meta = { ...b.meta, ...a.meta };
  return merged;
}

/**
 * Returns a copy of `set` with `domain` in place of the domain of the same
 * name, or appended when there is none. Modalities that no domain has
 * afterwards are dropped. Throws `unknown_modality` when `domain` uses a
 * modality the set does not declare, and `invalid_stats` when a sum's length
 * differs from the modality's dim.
 */
export function replaceDomain(set: StatsSet, domain: DomainStats): StatsSet {
  for (const [name, stats] of Object.entries(domain.stats)) {
    const modality = set.modalities.find((entry) => entry.name === name);
    if (!modality) {
      throw new MadmixError(
        'unknown_modality',
        `domain ${show(domain.name)} uses modality ${show(name)}, which the set does not declare ` +
          `(it has ${show(set.modalities.map((entry) => entry.name))}); merge a set that declares it with mergeStats`,
        { domain: domain.name, modality: name },
      );
    }
    if (stats.sum.length !== modality.dim) {
      throw new MadmixError(
        'invalid_stats',
        `domain ${show(domain.name)} modality ${show(name)} sum has ${stats.sum.length} values ` +
          `but the modality's dim is ${modality.dim}; embed it with the same encoder and layer as the set`,
      );
    }
  }
  const position = set.domains.findIndex((entry) => entry.name === domain.name);
  const domains = set.domains.map(copyDomain);
  if (position === -1) domains.push(copyDomain(domain));
  else domains[position] = copyDomain(domain);
  return withDomains(set, domains);
}

/** Returns a copy of `set` without the named domain, dropping modalities no other domain has. */
export function dropDomain(set: StatsSet, name: string): StatsSet {
  if (!set.domains.some((domain) => domain.name === name)) {
    throw new MadmixError(
      'unknown_domain',
      `domain ${show(name)} is not in the statistics set; known domains are ${show(set.domains.map((d) => d.name))}`,
      { domain: name },
    );
  }
  return withDomains(set, set.domains.filter((domain) => domain.name !== name).map(copyDomain));
}

function withDomains(set: StatsSet, domains: DomainStats[]): StatsSet {
  const used = new Set(domains.flatMap((domain) => Object.keys(domain.stats)));
  const result: StatsSet = {
    modalities: set.modalities.filter((modality) => used.has(modality.name)).map((modality) => ({ ...modality })),
    domains,
  };
  if (set.meta !== undefined) result.meta = { ...set.meta };
  return result;
}

function mergeModalities(left: ModalityInfo[], right: ModalityInfo[]): ModalityInfo[] {
  const merged = left.map((modality) => ({ ...modality }));
  for (const modality of right) {
    const existing = merged.find((entry) => entry.name === modality.name);
    if (!existing) {
      merged.push({ ...modality });
      continue;
    }
    for (const key of ['dim', 'model', 'layer'] as const) {
      if (existing[key] !== modality[key]) {
        throw new MadmixError(
          'invalid_stats',
          `modality ${show(modality.name)} has ${key} ${show(existing[key])} in the first set and ${show(modality[key])} ` +
            'in the second; statistics from different encoders or layers cannot be added, so re-embed one side',
          { modality: modality.name, field: key },
        );
      }
    }
  }
  return merged;
}

function copyStats(stats: ModalityStats): ModalityStats {
  return { count: stats.count, sum: Float64Array.from(stats.sum) };
}

function copyDomain(domain: DomainStats): DomainStats {
  const stats: DomainStats['stats'] = {};
  for (const [name, entry] of Object.entries(domain.stats)) stats[name] = copyStats(entry);
  return { name: domain.name, stats, ...pickSizes(domain) };
}

function mergeDomain(left: DomainStats, right: DomainStats): DomainStats {
  const stats: DomainStats['stats'] = { ...left.stats };
  for (const [name, entry] of Object.entries(right.stats)) {
    const existing = stats[name];
    stats[name] = existing ? addStats(existing, entry, left.name, name) : copyStats(entry);
  }
  return { name: left.name, stats, ...mergeSizes(left, right) };
}

function addStats(left: ModalityStats, right: ModalityStats, domain: string, modality: string): ModalityStats {
  if (left.sum.length !== right.sum.length) {
    throw new MadmixError(
      'invalid_stats',
      `domain ${show(domain)} modality ${show(modality)} has sums of length ${left.sum.length} and ${right.sum.length}; ` +
        'both sets must embed the modality with the same dim',
    );
  }
  const count = left.count + right.count;
  if (!Number.isSafeInteger(count)) {
    throw new MadmixError(
      'invalid_stats',
      `domain ${show(domain)} modality ${show(modality)} count ${count} is above 2^53 - 1 after merging; merge fewer sets`,
    );
  }
  const sum = new Float64Array(left.sum.length);
  for (let i = 0; i < sum.length; i++) sum[i] = left.sum[i] + right.sum[i];
  return { count, sum };
}

function addOptional(left: number | undefined, right: number | undefined): number | undefined {
  if (left === undefined) return right;
  if (right === undefined) return left;
  return left + right;
}

function mergeSizes(left: Sizes, right: Sizes): Sizes {
  const merged: Sizes = {};
  const samples = addOptional(left.samples, right.samples);
  const tokens = addOptional(left.tokens, right.tokens);
  if (samples !== undefined) merged.samples = samples;
  if (tokens !== undefined) merged.tokens = tokens;
  if (left.datasets !== undefined || right.datasets !== undefined) {
    merged.datasets = mergeDatasets(left.datasets ?? [], right.datasets ?? []);
  }
  return merged;
}

function mergeDatasets(left: DatasetSize[], right: DatasetSize[]): DatasetSize[] {
  const merged = left.map(copyDataset);
  for (const dataset of right) {
    const existing = merged.find((entry) => entry.name === dataset.name);
    if (!existing) {
      merged.push(copyDataset(dataset));
      continue;
    }
    const samples = addOptional(existing.samples, dataset.samples);
    const tokens = addOptional(existing.tokens, dataset.tokens);
    if (samples !== undefined) existing.samples = samples;
    if (tokens !== undefined) existing.tokens = tokens;
  }
  return merged;
}
