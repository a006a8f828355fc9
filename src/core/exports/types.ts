import type { StoredResult } from '../../worker/types.js';

export type ExportFormat = 'json' | 'csv' | 'megatron' | 'energon' | 'llava' | 'hf' | 'datajuicer';

/** Export formats, in the order the share page lists them. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'csv', 'megatron', 'energon', 'llava', 'hf', 'datajuicer'];

/** Options of an export: a training budget and which result of a comparison to write. */
export interface ExportOptions {
  /** Training budget in `unit`; without it no implied samples or epochs are computed. */
  budget?: number;
  /** Unit of `budget`, and the unit the weights are read in. Default `samples`. */
  unit?: 'samples' | 'tokens';
  /** Epoch count above which a domain gets a warning. Default `DEFAULT_MAX_EPOCHS`. */
  maxEpochs?: number;
  /** Index into `StoredResult.results` (a comparison contains several). Default 0. */
  resultIndex?: number;
}

/** A rendered export, ready to be sent as a download. */
export interface ExportFile {
  body: string;
  contentType: string;
  filename: string;
}

/** The fields of a stored statistics summary that exports and pages read. */
export interface SummaryView {
  domains: { name: string; modalities?: Record<string, number>; samples?: number; tokens?: number; datasets?: { name: string; samples?: number; tokens?: number }[] }[];
  modalities: { name: string; dim: number; model?: string; layer?: string }[];
  meta?: Record<string, string>;
}

/** Reads the summary of `stored` through `SummaryView`, tolerating a missing one. */
export function summaryView(stored: StoredResult): SummaryView {
  const summary = (stored.summary ?? {}) as unknown as Partial<SummaryView>;
  return { domains: summary.domains ?? [], modalities: summary.modalities ?? [], meta: summary.meta };
}
