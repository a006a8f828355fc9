/** Requests and results of the mixture methods. Everything is keyed by domain name. */

export type MethodName =
  | 'madmix'
  | 'avg'
  | 'modality'
  | 'chameleon'
  | 'uniform'
  | 'proportional'
  | 'temperature'
  | 'unimax'
  | 'manual';

export interface MixtureRequest {
  method: MethodName;
  /** Method parameters by their documented names (`lambda`, `temperature`, ...). */
  params?: Record<string, unknown>;
}

export interface Diagnostics {
  /** `sum_j sigma_j / (sigma_j + lambda)` of the multi-modal kernel (kernel methods only). */
  effectiveDimension?: number;
  /** Nonzero eigenvalues of the multi-modal kernel, descending (at most `SPECTRUM_MAX` kept). */
  spectrum?: number[];
  /** Each modality's share of `trace(K)`. */
  modalityShare?: Record<string, number>;
  /** Shannon entropy of the weights, in nats. */
  entropy: number;
  /** Maximum entropy, `ln k`, to read `entropy` against. */
  maxEntropy: number;
  /** `KL(p || uniform)` in nats. */
  klToUniform: number;
  /** `KL(p || size-proportional)` in nats, when every domain has a size. */
  klToProportional?: number;
  /** Side of the ridge system that was solved: `dual` (k x k) or `primal` (width x width). */
  side?: 'dual' | 'primal';
  /** Linear algebra backend that ran: `wasm` or `js`. */
  backend?: 'wasm' | 'js';
}

export interface MixtureResult {
  method: MethodName;
  /** Every parameter actually used, defaults filled in. */
  params: Record<string, unknown>;
  solverVersion: string;
  /** Content hash of the statistics set (see `hashStats`). */
  inputHash: string;
  /** Domain names in input order, for display. */
  domains: string[];
  weights: Record<string, number>;
  /** Domain scores before the softmax (MaD-Mix: `S`; Chameleon: normalized leverage). */
  scores?: Record<string, number>;
  /** MaD-Mix per-modality scores `S^v`, by modality then domain. */
  modalityScores?: Record<string, Record<string, number>>;
  /** MaD-Mix coupling variables `alpha`. */
  alpha?: Record<string, number>;
  /** Chameleon raw leverage scores. */
  leverage?: Record<string, number>;
  /** Single-modality weights that `avg` averaged, by modality. */
  components?: Record<string, Record<string, number>>;
  diagnostics: Diagnostics;
  warnings?: string[];
}

/** Weights over a log grid of `lambda`, for a regularization-path chart. */
export interface RegularizationPath {
  lambdas: number[];
  /** `weights[domain][i]` is the weight at `lambdas[i]`. */
  weights: Record<string, number[]>;
  effectiveDimension: number[];
}
