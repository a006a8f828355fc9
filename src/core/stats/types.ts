/**
 * Domain statistics: for each domain and each modality it has, a sample count
 * and the sum of the per-sample embeddings. Centroids are `sum / count`, and two
 * sets merge exactly by adding counts and sums.
 */

/** A modality of a statistics set: its embedding width and, optionally, what produced it. */
export interface ModalityInfo {
  name: string;
  dim: number;
  /** Encoder that produced the embeddings, e.g. "mobilenetv2-12-float". */
  model?: string;
  /** Layer or output of that encoder, e.g. "emb" or "layer 12 mean-pooled". */
  layer?: string;
}

/** Count and embedding sum of one modality inside one domain. */
export interface ModalityStats {
  count: number;
  /** Length equals the modality's `dim`. */
  sum: Float64Array;
}

/** A dataset inside a domain, with its size. */
export interface DatasetSize {
  name: string;
  samples?: number;
  tokens?: number;
}

/** One domain: its name, sizes and per-modality statistics. */
export interface DomainStats {
  name: string;
  /** Present modalities only; a text-only domain has no `image` key. */
  stats: Record<string, ModalityStats>;
  /** Number of training samples in the domain (not the number embedded). */
  samples?: number;
  /** Number of training tokens in the domain. */
  tokens?: number;
  datasets?: DatasetSize[];
}

/** A statistics set. Domain order is kept for display only; everything is keyed by name. */
export interface StatsSet {
  modalities: ModalityInfo[];
  domains: DomainStats[];
  /** Free-form provenance (corpus, seed, job id); strings only so it survives safetensors metadata. */
  meta?: Record<string, string>;
}
