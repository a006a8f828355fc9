import { createHash } from 'node:crypto';
import type { DomainInput, InputSpec, Item } from './inputs.js';
import { discoverInputs, itemModalities } from './inputs.js';
import type { Shard } from './sampling.js';
import { deriveSeed, inShard, sampleSeeded } from './sampling.js';

export interface DomainPlan {
  name: string;
  datasets: Array<{ name: string; samples: number; sampled: number }>;
  /** Total samples over the domain's datasets (the training size, not the number embedded). */
  samples: number;
  modalities: string[];
  /** Shard that records this domain's sizes: the one holding its first sampled item. */
  sizeShard: number;
}

export interface Plan {
  domains: DomainPlan[];
  /** Every sampled item, all shards, in a fixed order. */
  sampledCount: number;
  /** This shard's items; positions index into it. */
  items: Item[];
  shard: Shard;
}

/**
 * Samples up to `samplesPerDataset` items of each dataset with a seeded
 * shuffle, lists them domain by domain, and keeps every `shard.count`-th one
 * for this shard.
 */
export function makePlan(inputs: DomainInput[], samplesPerDataset: number, seed: number, shard: Shard): Plan {
  const domains: DomainPlan[] = [];
  const items: Item[] = [];
  let position = 0;
  for (const domain of inputs) {
    const modalities = new Set<string>();
    const datasets: DomainPlan['datasets'] = [];
    const firstPosition = position;
    for (const dataset of domain.datasets) {
      for (const item of dataset.items) for (const modality of itemModalities(item)) modalities.add(modality);
      const sampled = sampleSeeded(dataset.items, samplesPerDataset, deriveSeed(seed, domain.name, dataset.name));
      datasets.push({ name: dataset.name, samples: dataset.items.length, sampled: sampled.length });
      for (const item of sampled) {
        if (inShard(position, shard)) items.push(item);
        position++;
      }
    }
    domains.push({
      name: domain.name,
      datasets,
      samples: datasets.reduce((total, dataset) => total + dataset.samples, 0),
      modalities: ['image', 'video', 'text'].filter((modality) => modalities.has(modality)),
      sizeShard: firstPosition % shard.count,
    });
  }
  return { domains, sampledCount: position, items, shard };
}

export function planInputs(spec: InputSpec, samplesPerDataset: number, seed: number, shard: Shard): Plan {
  return makePlan(discoverInputs(spec), samplesPerDataset, seed, shard);
}

/** Hash of everything that decides the result, so a checkpoint is only reused by the same run. */
export function fingerprintPlan(plan: Plan, settings: Record<string, unknown>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ settings, shard: plan.shard, domains: plan.domains }));
  for (const item of plan.items) hash.update(`\n${item.domain}\0${item.dataset}\0${item.key}`);
  return hash.digest('hex');
}

/** Human-readable listing for --dry-run. */
export function describePlan(plan: Plan): string {
  const lines: string[] = [];
  const modalityCounts = (domain: string): string => {
    const counts: Record<string, number> = {};
    for (const item of plan.items) {
      if (item.domain !== domain) continue;
      for (const modality of itemModalities(item)) counts[modality] = (counts[modality] ?? 0) + 1;
    }
    return Object.entries(counts).map(([m, n]) => `${m} ${n}`).join(', ') || 'none';
  };
  lines.push(`shard ${plan.shard.index} of ${plan.shard.count}: ${plan.items.length} of ${plan.sampledCount} sampled items`);
  for (const domain of plan.domains) {
    const shardCount = plan.items.filter((item) => item.domain === domain.name).length;
    lines.push(`domain ${domain.name}: ${domain.samples} samples, modalities ${domain.modalities.join('+')}, this shard embeds ${shardCount} (${modalityCounts(domain.name)})`);
    for (const dataset of domain.datasets) {
      lines.push(`  dataset ${dataset.name}: ${dataset.samples} samples, ${dataset.sampled} sampled`);
    }
  }
  return lines.join('\n');
}
