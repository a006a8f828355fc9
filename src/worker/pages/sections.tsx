/** Sections shared by the mixture and comparison views of the share page. */
import { EXPORT_FORMATS, type ExportOptions } from '../../core/exports/index.js';
import type { MixtureResult } from '../../core/methods/types.js';
import type { StoredResult } from '../types.js';
import { methodLabel, num, paramsText } from './format.js';

const FORMAT_LABELS: Record<string, string> = {
  json: 'JSON',
  csv: 'CSV',
  megatron: 'Megatron-LM --data-path',
  energon: 'Megatron-Energon blend',
  llava: 'LLaVA-OneVision YAML',
  hf: 'Hugging Face interleave_datasets',
  datajuicer: 'Data-Juicer mixture',
};

/** Query string carrying the budget options to the export links. */
export function exportQuery(options: ExportOptions, index?: number): string {
  const query = new URLSearchParams();
  if (options.budget !== undefined) query.set('budget', String(options.budget));
  if (options.unit !== undefined) query.set('unit', options.unit);
  if (options.maxEpochs !== undefined) query.set('maxEpochs', String(options.maxEpochs));
  if (index !== undefined) query.set('index', String(index));
  const text = query.toString();
  return text ? `?${text}` : '';
}

/** Download links for every export format of one result. */
export function Downloads(props: { id: string; options: ExportOptions; index?: number }) {
  const query = exportQuery(props.options, props.index);
  return (
    <ul class="downloads">
      {EXPORT_FORMATS.map((format) => (
        <li>
          <a href={`/v1/mixtures/${props.id}/export/${format}${query}`} data-format={format} download>
            {FORMAT_LABELS[format] ?? format}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** GET form that reloads the page with a budget, so it works without JavaScript. */
/** Text of the budget form's fields as the user typed it. */
export interface BudgetValues {
  budget?: string;
  unit?: string;
  maxEpochs?: string;
}

const optionText = (value: number | undefined): string => (value === undefined ? '' : String(value));

/**
 * Renders the budget form. Its number fields are text inputs with a decimal
 * keyboard, because browsers blank a type=number input whose value is not a
 * number and a rejected value should stay visible next to its error.
 */
export function BudgetForm(props: { options: ExportOptions; values?: BudgetValues; error?: string }) {
  const { budget, unit = 'samples', maxEpochs } = props.options;
  const typed = props.values ?? {};
  const selected = typed.unit ?? unit;
  return (
    <form class="budget" method="get">
      <label>
        Budget
        <input name="budget" type="text" inputmode="decimal" value={typed.budget ?? optionText(budget)} placeholder="e.g. 1000000" />
      </label>
      <label>
        Unit
        <select name="unit">
          <option value="samples" selected={selected !== 'tokens'}>samples</option>
          <option value="tokens" selected={selected === 'tokens'}>tokens</option>
        </select>
      </label>
      <label>
        Warn above epochs
        <input name="maxEpochs" type="text" inputmode="decimal" value={typed.maxEpochs ?? optionText(maxEpochs)} placeholder="4" />
      </label>
      <button type="submit">Show samples and epochs</button>
      {props.error && <p class="warning">{props.error}</p>}
    </form>
  );
}

/** Diagnostics of one result as a definition list. */
export function DiagnosticsList(props: { result: MixtureResult }) {
  const d = props.result.diagnostics;
  return (
    <dl class="facts">
      <dt>Entropy</dt>
      <dd>{`${num(d.entropy)} nats of at most ${num(d.maxEntropy)} (ln k)`}</dd>
      <dt>KL to uniform</dt>
      <dd>{`${num(d.klToUniform)} nats`}</dd>
      <dt>KL to size-proportional</dt>
      <dd>{d.klToProportional === undefined ? 'not available (some domains have no size)' : `${num(d.klToProportional)} nats`}</dd>
      {d.effectiveDimension !== undefined && <dt>Effective dimension</dt>}
      {d.effectiveDimension !== undefined && <dd>{num(d.effectiveDimension)}</dd>}
      {d.modalityShare && <dt>Modality share of trace(K)</dt>}
      {d.modalityShare && (
        <dd>
          {Object.entries(d.modalityShare)
            .map(([m, s]) => `${m} ${num(s * 100, 3)}%`)
            .join(', ')}
        </dd>
      )}
      {d.side && <dt>Solved side</dt>}
      {d.side && <dd>{d.side}</dd>}
      {d.backend && <dt>Backend</dt>}
      {d.backend && <dd>{d.backend}</dd>}
    </dl>
  );
}

/** Input identity: what a reader needs to reproduce the result. `statsPage` links the hash to the set's page. */
export function Identity(props: { stored: StoredResult; statsPage?: boolean }) {
  const { stored } = props;
  const hash = props.statsPage ? <a href={`/s/${stored.statsId}`}><code>{stored.statsId}</code></a> : <code>{stored.statsId}</code>;
  return (
    <dl class="facts">
      <dt>Result id</dt>
      <dd><code>{stored.id}</code></dd>
      <dt>Statistics set (sha256)</dt>
      <dd>{hash}{stored.statsStored ? ' (stored)' : ' (sent inline, not stored)'}</dd>
      <dt>Created</dt>
      <dd>{stored.createdAt}</dd>
      {stored.results.map((r, i) => (
        <>
          <dt>{stored.results.length > 1 ? `Method ${i + 1}` : 'Method'}</dt>
          <dd>{`${methodLabel(r.method)} (${r.method}); solver ${r.solverVersion}`}<br /><code>{paramsText(r.params) || 'no parameters'}</code></dd>
        </>
      ))}
    </dl>
  );
}

/** Per-modality MaD-Mix scores `S^v`, one column per modality. */
export function ModalityScores(props: { result: MixtureResult }) {
  const scores = props.result.modalityScores;
  if (!scores || Object.keys(scores).length === 0) return null;
  const modalities = Object.keys(scores);
  const alpha = props.result.alpha;
  return (
    <section>
      <h2>Per-modality scores</h2>
      <table>
        <thead>
          <tr>
            <th>Domain</th>
            {modalities.map((m) => <th>{m}</th>)}
            {alpha && <th>alpha</th>}
          </tr>
        </thead>
        <tbody>
          {props.result.domains.map((d) => (
            <tr>
              <td>{d}</td>
              {modalities.map((m) => <td>{num(scores[m][d])}</td>)}
              {alpha && <td>{num(alpha[d])}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Warnings from the solver and from the budget. */
export function Warnings(props: { warnings: string[] }) {
  return <>{props.warnings.map((w) => <p class="warning">{w}</p>)}</>;
}
