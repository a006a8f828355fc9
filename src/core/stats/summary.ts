import type { DatasetSize, StatsSet } from './types.js';

/** A statistics set without its sums: what a listing or an API response shows. */
export interface StatsSummary {
  domains: DomainSummary[];
  modalities: { name: string; dim: number; model?: string; layer?: string }[];
  domainCount: number;
  /** Sum of every count over all domains and modalities. */
  totalCount: number;
}

export interface DomainSummary {
  name: string;
  /** Embedded sample count per modality the domain has. */
  modalities: Record<string, number>;
  samples?: number;
  tokens?: number;
  datasets?: DatasetSize[];
}

/** Summarizes a set as plain JSON (names, dims, counts and sizes, no sums). */
export function summarizeStats(set: StatsSet): StatsSummary {
  let totalCount = 0;
  const domains = set.domains.map((domain) => {
    const modalities: Record<string, number> = {};
    for (const modality of set.modalities) {
      const stats = domain.stats[modality.name];
      if (!stats) continue;
      modalities[modality.name] = stats.count;
      totalCount += stats.count;
    }
    const summary: DomainSummary = { name: domain.name, modalities };
    if (domain.samples !== undefined) summary.samples = domain.samples;
    if (domain.tokens !== undefined) summary.tokens = domain.tokens;
    if (domain.datasets !== undefined) summary.datasets = domain.datasets.map((dataset) => ({ ...dataset }));
    return summary;
  });
  const modalities = set.modalities.map(({ name, dim, model, layer }) => {
    const entry: StatsSummary['modalities'][number] = { name, dim };
    if (model !== undefined) entry.model = model;
    if (layer !== undefined) entry.layer = layer;
    return entry;
  });
  return { domains, modalities, domainCount: set.domains.length, totalCount };
}
