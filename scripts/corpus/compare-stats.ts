import { hashStats, type StatsSet } from '../../src/core/stats/index.js';

export interface StatsComparison {
  /** True when the sets without `meta` have the same hashStats. */
  equal: boolean;
  hashA: string;
  hashB: string;
  /** Up to `limit` differences in modalities, domain order, sizes, counts and sums. */
  differences: string[];
}

const withoutMeta = (set: StatsSet): StatsSet => ({ modalities: set.modalities, domains: set.domains });

/** Tests two float64 arrays for bitwise equality (so -0 differs from 0 and NaN equals the same NaN). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const x = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const y = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  return x.every((bits, i) => bits === y[i]);
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Lists every difference between two sets, ignoring `meta`, in domain order of `a`. */
function listDifferences(a: StatsSet, b: StatsSet): string[] {
  const out: string[] = [];
  if (JSON.stringify(a.modalities) !== JSON.stringify(b.modalities)) {
    out.push(`modalities differ: ${JSON.stringify(a.modalities)} vs ${JSON.stringify(b.modalities)}`);
  }
  const namesA = a.domains.map((domain) => domain.name).join(',');
  const namesB = b.domains.map((domain) => domain.name).join(',');
  if (namesA !== namesB) out.push(`domain order differs: [${namesA}] vs [${namesB}]`);
  for (const domainA of a.domains) {
    const domainB = b.domains.find((domain) => domain.name === domainA.name);
    if (!domainB) {
      out.push(`${domainA.name}: missing from the second set`);
      continue;
    }
    const sizesA = JSON.stringify([domainA.samples, domainA.tokens, domainA.datasets]);
    const sizesB = JSON.stringify([domainB.samples, domainB.tokens, domainB.datasets]);
    if (sizesA !== sizesB) out.push(`${domainA.name}: sizes differ: ${sizesA} vs ${sizesB}`);
    const modalities = new Set([...Object.keys(domainA.stats), ...Object.keys(domainB.stats)]);
    for (const modality of modalities) {
      const statsA = domainA.stats[modality];
      const statsB = domainB.stats[modality];
      if (!statsA || !statsB) {
        out.push(`${domainA.name}/${modality}: present in only one set`);
      } else if (statsA.count !== statsB.count) {
        out.push(`${domainA.name}/${modality}: count ${statsA.count} vs ${statsB.count}`);
      } else if (!sameBits(statsA.sum, statsB.sum)) {
        out.push(`${domainA.name}/${modality}: sums differ, max abs diff ${maxAbsDiff(statsA.sum, statsB.sum).toExponential(3)}`);
      }
    }
  }
  for (const domainB of b.domains) {
    if (!a.domains.some((domain) => domain.name === domainB.name)) out.push(`${domainB.name}: missing from the first set`);
  }
  return out;
}

/**
 * Compares two statistics sets without their `meta` (which records the shard
 * and producer): by hashStats, the sha256 of the canonical safetensors bytes,
 * and field by field, so a mismatch names the domain, modality and kind.
 */
export async function compareStats(a: StatsSet, b: StatsSet, limit = 20): Promise<StatsComparison> {
  const [hashA, hashB] = await Promise.all([hashStats(withoutMeta(a)), hashStats(withoutMeta(b))]);
  const differences = listDifferences(a, b);
  return { equal: hashA === hashB, hashA, hashB, differences: differences.slice(0, limit) };
}
