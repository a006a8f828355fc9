/**
 * Exports of a stored mixture result to files that training frameworks read.
 * Every export names the result, the statistics hash, the method, its
 * parameters and the solver version, so a published mixture can be traced.
 */
import type { StoredResult } from '../../worker/types.js';
import { MadmixError, show } from '../errors.js';
import { dataJuicer, energon, huggingFace, llava, megatron } from './frameworks.js';
import { planMixture, type MixturePlan } from './plan.js';
import { csv, json } from './tabular.js';
import { EXPORT_FORMATS, type ExportFile, type ExportFormat, type ExportOptions } from './types.js';

export { EXPORT_FORMATS, type ExportFile, type ExportFormat, type ExportOptions } from './types.js';
export { DEFAULT_MAX_EPOCHS, MAX_BUDGET, MIN_BUDGET, planMixture, type DomainPlan, type MixturePlan } from './plan.js';
export { EXPORT_QUERY_PARAMETERS, exportOptionsFromQuery, singleQueryValues } from './query.js';

interface FormatSpec {
  render: (plan: MixturePlan) => string;
  contentType: string;
  /** Suffix of the download name, extension included. */
  suffix: string;
}

const FORMATS: Record<ExportFormat, FormatSpec> = {
  json: { render: json, contentType: 'application/json; charset=utf-8', suffix: '.json' },
  csv: { render: csv, contentType: 'text/csv; charset=utf-8; header=present', suffix: '.csv' },
  megatron: { render: megatron, contentType: 'text/x-shellscript; charset=utf-8', suffix: '-megatron.sh' },
  energon: { render: energon, contentType: 'application/yaml; charset=utf-8', suffix: '-energon.yaml' },
  llava: { render: llava, contentType: 'application/yaml; charset=utf-8', suffix: '-llava.yaml' },
  hf: { render: huggingFace, contentType: 'text/x-python; charset=utf-8', suffix: '-hf.py' },
  datajuicer: { render: dataJuicer, contentType: 'application/yaml; charset=utf-8', suffix: '-datajuicer.yaml' },
};

/** Returns whether `value` names an export format. */
export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value);
}

/**
 * Renders one result of `stored` in `format`.
 * Throws `invalid_parameter` for an unknown format or invalid options.
 *
 * @example renderExport(stored, 'megatron', { budget: 1e6, unit: 'samples' }).body
 */
export function renderExport(stored: StoredResult, format: ExportFormat, options: ExportOptions = {}): ExportFile {
  if (!isExportFormat(format)) {
    throw new MadmixError('invalid_parameter', `Invalid format ${show(format)}: use one of ${EXPORT_FORMATS.join(', ')}.`, {
      field: 'format',
      value: format,
      valid: [...EXPORT_FORMATS],
    });
  }
  const plan = planMixture(stored, options);
  const spec = FORMATS[format];
  const index = stored.results.length > 1 ? `-${plan.resultIndex}` : '';
  return {
    body: spec.render(plan),
    contentType: spec.contentType,
    filename: `madmix-${stored.id.slice(0, 12)}${index}${spec.suffix}`,
  };
}
