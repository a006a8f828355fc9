import { MadmixError, show } from '../errors.js';
import type { DatasetSize, DomainStats, ModalityInfo, StatsSet } from './types.js';

/** Maximum length of a domain, dataset or modality name, in code points. */
export const MAX_NAME_LENGTH = 200;

// C0 and C1 control characters, DEL included.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;
// JavaScript lists integer-like object keys first, so such a modality name
// would move to the front of the modality order after a JSON round trip.
const INDEX_LIKE = /^(0|[1-9][0-9]*)$/;
// Per-domain statistics are plain objects keyed by modality name, so a name such as
// "constructor" or "__proto__" would read or replace Object.prototype members.
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));

export interface ValidateOptions {
  /** Minimum number of domains; 2 for a mixture, 0 to accept an empty set (for example a shard). */
  minDomains?: number;
}

function invalid(message: string, details?: Record<string, unknown>): never {
  throw new MadmixError('invalid_stats', message, details);
}

/**
 * Checks that a statistics set is well formed and throws a `MadmixError`
 * (`invalid_stats` or `duplicate_domain`) naming the first problem found.
 */
export function validateStats(set: StatsSet, options: ValidateOptions = {}): void {
  const minDomains = options.minDomains ?? 2;
  if (!Array.isArray(set.modalities) || !Array.isArray(set.domains)) {
    invalid('statistics set must have a modalities array and a domains array');
  }
  const dims = checkModalities(set.modalities);
  checkDomainCount(set, minDomains);

  const names = new Set<string>();
  const used = new Set<string>();
  set.domains.forEach((domain, index) => {
    checkName(domain.name, `domains[${index}].name`, 'domain');
    if (domain.name === '__proto__') {
      // Results key weights by domain name, and assigning this key replaces an object's prototype instead of adding it.
      invalid(`domains[${index}].name "__proto__" cannot be a key of the result weights; rename the domain (for example "d-__proto__")`);
    }
    if (names.has(domain.name)) {
      throw new MadmixError(
        'duplicate_domain',
        `domain name ${show(domain.name)} appears more than once (again at domains[${index}]); ` +
          'give each domain a unique name, or merge the duplicates with mergeStats',
        { domain: domain.name, index },
      );
    }
    names.add(domain.name);
    checkDomainStats(domain, dims, used);
    checkSizes(domain, `domain ${show(domain.name)}`, domain.name);
    checkDatasets(domain);
  });

  for (const modality of set.modalities) {
    if (!used.has(modality.name)) {
      invalid(
        `modality ${show(modality.name)} is declared but no domain has it; ` +
          'remove it from modalities or add its statistics to a domain',
        { modality: modality.name },
      );
    }
  }
  checkMeta(set.meta);
}

/** Checks a domain, dataset or modality name and throws `invalid_stats` naming `field`. */
export function checkName(name: unknown, field: string, kind: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    invalid(`${field} must be a non-empty string, got ${show(name)}; give the ${kind} a name`);
  }
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) {
    invalid(`${field} ${show(name)} has ${length} characters; shorten the ${kind} name to at most ${MAX_NAME_LENGTH}`);
  }
  const control = CONTROL_CHARACTER.exec(name);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    invalid(`${field} ${show(name)} contains the control character U+${code}; remove it from the ${kind} name`);
  }
}

function checkModalities(modalities: ModalityInfo[]): Map<string, number> {
  const dims = new Map<string, number>();
  modalities.forEach((modality, index) => {
    const field = `modalities[${index}].name`;
    checkName(modality.name, field, 'modality');
    if (INDEX_LIKE.test(modality.name)) {
      invalid(
        `${field} ${show(modality.name)} is an integer; JSON objects list integer keys first, ` +
          `which would reorder the modalities, so rename it (for example "m${modality.name}")`,
      );
    }
    rejectPrototypeName(modality.name, field);
    if (dims.has(modality.name)) {
      invalid(`modality ${show(modality.name)} is declared twice; declare each modality once`);
    }
    if (!Number.isSafeInteger(modality.dim) || modality.dim < 1) {
      invalid(`modality ${show(modality.name)} has dim ${show(modality.dim)}; dim must be a positive integer`);
    }
    for (const key of ['model', 'layer'] as const) {
      const value = modality[key];
      if (value !== undefined && typeof value !== 'string') {
        invalid(`modality ${show(modality.name)} has ${key} ${show(value)}; ${key} must be a string or absent`);
      }
    }
    dims.set(modality.name, modality.dim);
  });
  return dims;
}

/** Throws `invalid_stats` when a modality name is a member of Object.prototype, such as "constructor" or "__proto__". */
export function rejectPrototypeName(name: string, field: string): void {
  if (PROTOTYPE_NAMES.has(name)) {
    invalid(
      `${field} ${show(name)} is a property of every JavaScript object, ` +
        `which statistics keyed by modality would confuse with the modality, so rename it (for example "m-${name}")`,
    );
  }
}

function checkDomainCount(set: StatsSet, minDomains: number): void {
  const count = set.domains.length;
  if (count >= minDomains) return;
  if (count === 0) {
    invalid(`statistics set has no domains; add at least ${minDomains} domains with statistics`);
  }
  const listed = set.domains.map((domain) => show(domain.name)).join(', ');
  invalid(
    `statistics set has ${count} domain${count === 1 ? '' : 's'} (${listed}) but a mixture needs at least ${minDomains}; ` +
      'add more domains or merge this set with another',
    { domains: count, minDomains },
  );
}

function checkDomainStats(domain: DomainStats, dims: Map<string, number>, used: Set<string>): void {
  const where = `domain ${show(domain.name)}`;
  if (domain.stats === null || typeof domain.stats !== 'object') {
    invalid(`${where} has no stats object; add stats keyed by modality`);
  }
  const modalities = Object.keys(domain.stats);
  if (modalities.length === 0) {
    invalid(`${where} has no modality; add the count and sum of at least one modality or drop the domain`);
  }
  for (const name of modalities) {
    const dim = dims.get(name);
    if (dim === undefined) {
      invalid(
        `${where} uses modality ${show(name)}, which the set does not declare; add it to modalities with its dim`,
        { domain: domain.name, modality: name },
      );
    }
    checkModalityStats(domain.stats[name], `${where} modality ${show(name)}`, dim);
    used.add(name);
  }
}

function checkModalityStats(stats: { count: number; sum: Float64Array }, where: string, dim: number): void {
  const count = stats?.count;
  if (typeof count !== 'number' || !Number.isFinite(count) || !Number.isInteger(count)) {
    invalid(`${where} has count ${show(count)}; count must be a positive integer (the number of embedded samples)`);
  }
  if (count <= 0) {
    invalid(
      `${where} has count ${count}; count must be at least 1, ` +
        'so omit the modality from the domain when it has no samples of it',
    );
  }
  if (count > Number.MAX_SAFE_INTEGER) {
    invalid(`${where} has count ${count}, above 2^53 - 1; split the statistics into smaller sets`);
  }
  const sum = stats.sum;
  if (!(sum instanceof Float64Array)) {
    invalid(`${where} sum is ${show(sum)}; sum must be a Float64Array of length ${dim}`);
  }
  if (sum.length !== dim) {
    invalid(
      `${where} sum has ${sum.length} values but the modality's dim is ${dim}; ` +
        'embed every domain of a modality with the same encoder and layer, or fix the declared dim',
    );
  }
  for (let i = 0; i < sum.length; i++) {
    if (!Number.isFinite(sum[i])) {
      invalid(`${where} sum[${i}] is ${show(sum[i])}; sums must be finite, so re-run the embedding for this domain`);
    }
  }
}

function checkSize(value: unknown, where: string, field: string, domain: string): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    invalid(
      `${where} ${field} is ${show(value)}; it must be a whole number from 0 to 2^53 - 1 (${Number.MAX_SAFE_INTEGER}) or absent, so give the count of ${field} or leave it out`,
      { domain, field, value },
    );
  }
}

function checkSizes(sizes: { samples?: number; tokens?: number }, where: string, domain: string): void {
  checkSize(sizes.samples, where, 'samples', domain);
  checkSize(sizes.tokens, where, 'tokens', domain);
}

function checkDatasets(domain: DomainStats): void {
  if (domain.datasets === undefined) return;
  const where = `domain ${show(domain.name)}`;
  if (!Array.isArray(domain.datasets)) {
    invalid(`${where} datasets is ${show(domain.datasets)}; it must be an array of {name, samples?, tokens?}`);
  }
  const names = new Set<string>();
  domain.datasets.forEach((dataset: DatasetSize, index) => {
    checkName(dataset?.name, `${where} datasets[${index}].name`, 'dataset');
    if (names.has(dataset.name)) {
      invalid(`${where} lists dataset ${show(dataset.name)} twice; list each dataset once`);
    }
    names.add(dataset.name);
    checkSizes(dataset, `${where} dataset ${show(dataset.name)}`, domain.name);
  });
}

function checkMeta(meta: unknown): void {
  if (meta === undefined) return;
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    invalid(`meta is ${show(meta)}; meta must be an object of strings`);
  }
  for (const [key, value] of Object.entries(meta)) {
    if (typeof value !== 'string') {
      invalid(`meta.${key} is ${show(value)}; meta values must be strings, so convert it with String() or JSON`);
    }
  }
}
