import { createHash } from 'node:crypto';
import type { DomainInput, InputSpec, Item } from './inputs.js';
import { MadmixError } from '../../src/core/errors.js';
import { discoverInputsWithEmpty, itemModalities } from './inputs.js';
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
  /** Names of domain folders without a usable sample, which the output leaves out. */
  emptyDomains: string[];
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
  return { domains, sampledCount: position, items, shard, emptyDomains: [] };
}

export function planInputs(spec: InputSpec, samplesPerDataset: number, seed: number, shard: Shard): Plan {
  const { domains, emptyDomains } = discoverInputsWithEmpty(spec);
  return { ...makePlan(domains, samplesPerDataset, seed, shard), emptyDomains };
}

/** Warnings to print before a run or a dry run. */
export function planWarnings(plan: Plan): string[] {
  return plan.emptyDomains.map(
    (name) => `warning: domain folder ${name} has no images, videos, texts or .jsonl records, so it is left out of the output`,
  );
}

/** Rejects a plan whose output would contain no domain or no item, because such statistics cannot be mixed. */
export function checkPlan(plan: Plan): void {
  if (plan.domains.length === 0 || plan.sampledCount === 0) {
    throw new MadmixError('invalid_parameter', 'the inputs contain 0 samples, so the output would hold 0 domains; check the input paths and file types (see --help)');
  }
  if (plan.items.length === 0) {
    const { index, count } = plan.shard;
    throw new MadmixError('invalid_parameter', `shard ${index} of ${count} has 0 items because only ${plan.sampledCount} items are sampled; use --shard-count ${plan.sampledCount} or fewer`);
  }
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
  for (const name of plan.emptyDomains) lines.push(`domain ${name}: empty, left out of the output`);
  return lines.join('\n');
}
