import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { MadmixError, show } from '../../src/core/errors.js';
import { hashStats, statsToJson, statsToSafetensors, type DomainStats, type ModalityInfo, type StatsSet } from '../../src/core/stats/index.js';
import type { Accumulator } from './accumulator.js';
import type { Plan } from './plan.js';

/**
 * Builds this shard's statistics set. Domains and modalities without an
 * embedded sample in the shard are left out (a stats set has no zero counts).
 * A domain's sizes are written only by the shard holding its first sampled
 * item, because mergeStats adds sizes: the merged set then counts them once.
 */
export function buildStatsSet(plan: Plan, accumulator: Accumulator, modalities: ModalityInfo[], meta: Record<string, string>): StatsSet {
  const domains: DomainStats[] = [];
  const used = new Set<string>();
  for (const domainPlan of plan.domains) {
    const sums = accumulator.domains.get(domainPlan.name);
    const stats: DomainStats['stats'] = {};
    for (const modality of modalities) {
      const entry = sums?.get(modality.name);
      if (!entry || entry.count === 0) continue;
      stats[modality.name] = { count: entry.count, sum: Float64Array.from(entry.sum) };
      used.add(modality.name);
    }
    if (Object.keys(stats).length === 0) continue;
    const domain: DomainStats = { name: domainPlan.name, stats };
    if (domainPlan.sizeShard === plan.shard.index) {
      domain.samples = domainPlan.samples;
      domain.datasets = domainPlan.datasets.map((dataset) => ({ name: dataset.name, samples: dataset.samples }));
    }
    domains.push(domain);
  }
  return { modalities: modalities.filter((modality) => used.has(modality.name)), domains, meta };
}

export interface WrittenStats {
  path: string;
  /** sha256 of the written file, also stored beside it as `<path>.sha256` in sha256sum format. */
  sha256: string;
  /** hashStats of the set: sha256 of its canonical safetensors bytes, equal for JSON and safetensors output. */
  statsHash: string;
  bytes: number;
}

/** Encodes the set as safetensors (`.safetensors`) or stats JSON (anything else). */
export function encodeStats(set: StatsSet, path: string): Uint8Array {
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') return statsToSafetensors(set);
  if (ext !== '.json') {
    throw new MadmixError('invalid_parameter', `--out ${show(path)} must end in .json or .safetensors`);
  }
  return new TextEncoder().encode(statsToJson(set));
}

/** Writes the set atomically (temporary file, then rename) with a sha256 file beside it. */
export async function writeStats(set: StatsSet, path: string): Promise<WrittenStats> {
  const bytes = encodeStats(set, path);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
  writeFileSync(`${path}.sha256`, `${sha256}  ${basename(path)}\n`);
  return { path, sha256, statsHash: await hashStats(set), bytes: bytes.length };
}
