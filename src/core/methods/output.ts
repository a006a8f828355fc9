import type { Diagnostics } from './types.js';

/** Output of one method before the shared diagnostics are added. Maps are keyed by domain name. */
export interface MethodOutput {
  /** Weights in set domain order. */
  weights: Float64Array;
  scores?: Record<string, number>;
  alpha?: Record<string, number>;
  modalityScores?: Record<string, Record<string, number>>;
  leverage?: Record<string, number>;
  components?: Record<string, Record<string, number>>;
  /** Kernel diagnostics, kernel methods only. */
  kernel?: Pick<Diagnostics, 'effectiveDimension' | 'spectrum' | 'side'> & { modalities: string[] };
  warnings?: string[];
}
