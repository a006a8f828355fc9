/** The share page of a stored result: `/m/:id`. Pure HTML and SVG, readable without JavaScript. */
import { planMixture, type ExportOptions, type MixturePlan } from '../../core/exports/index.js';
import type { StoredResult } from '../types.js';
import { GroupedBars, PathChart, SpectrumChart, WeightBars } from './charts.js';
import { methodLabel, num, paramsText, percent } from './format.js';
import { Layout, renderDocument, type PageMeta } from './layout.js';
import { BudgetForm, DiagnosticsList, type BudgetValues, Downloads, Identity, ModalityScores, Warnings } from './sections.js';

export interface ShareProps {
  stored: StoredResult;
  /** Absolute URL of the page. */
  url: string;
  options: ExportOptions;
  /** Budget fields as typed in the query; the form shows these instead of `options`. */
  budgetValues?: BudgetValues;
  /** Message of an invalid budget query, shown next to the form. */
  optionsError?: string;
  /** Whether the statistics set is still stored, so its page `/s/<hash>` exists. */
  statsPage?: boolean;
}

/** Page title and description: the top domains, so a shared link previews the mixture. */
export function shareMeta(stored: StoredResult, url: string): PageMeta {
  const first = stored.results[0];
  const top = [...first.domains].sort((a, b) => (first.weights[b] ?? 0) - (first.weights[a] ?? 0)).slice(0, 3);
  const topText = top.map((d) => `${d} ${percent(first.weights[d] ?? 0)}`).join(', ');
  const k = first.domains.length;
  if (stored.kind === 'compare') {
    const methods = stored.results.map((r) => methodLabel(r.method)).join(' vs ');
    return {
      title: `madmix comparison: ${methods}`,
      description: `${stored.results.length} mixtures over ${k} domains. ${methodLabel(first.method)} puts most weight on ${topText}.`,
      url,
    };
  }
  const d = first.diagnostics;
  return {
    title: `madmix ${methodLabel(first.method)} mixture: ${topText}`,
    description: `${methodLabel(first.method)} weights over ${k} domains; entropy ${num(d.entropy, 3)} of ${num(d.maxEntropy, 3)} nats. Statistics ${stored.statsId.slice(0, 12)}, solver ${first.solverVersion}.`,
    url,
  };
}

function WeightTable(props: { plan: MixturePlan }) {
  const { plan } = props;
  const budget = plan.budget !== undefined;
  return (
    <table>
      <thead>
        <tr>
          <th>Domain</th>
          <th>Weight</th>
          <th>Score</th>
          <th>Samples</th>
          <th>Tokens</th>
          {budget && <th>{`Implied samples`}</th>}
          {budget && <th>Epochs</th>}
        </tr>
      </thead>
      <tbody>
        {plan.domains.map((d) => (
          <tr>
            <td>{d.name}</td>
            <td title={String(d.weight)}>{percent(d.weight)}</td>
            <td>{num(d.score)}</td>
            <td>{num(d.samples)}</td>
            <td>{num(d.tokens)}</td>
            {budget && <td>{d.impliedSamples === undefined ? 'unknown' : num(d.impliedSamples)}</td>}
            {budget && <td>{d.epochs === undefined ? 'unknown' : num(d.epochs, 3)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function MixtureView(props: ShareProps & { plan: MixturePlan }) {
  const { stored, plan } = props;
  const result = plan.result;
  return (
    <>
      <h1>{`${methodLabel(result.method)} mixture over ${result.domains.length} domains`}</h1>
      <p class="lede">{`Weights are shares of the training budget in ${plan.unit}. Statistics set ${stored.statsId.slice(0, 12)}…, solver ${result.solverVersion}.`}</p>
      <Warnings warnings={[...(result.warnings ?? []), ...plan.warnings]} />
      <h2>Weights</h2>
      <WeightBars domains={result.domains} weights={result.weights} title={`${methodLabel(result.method)} weights per domain`} />
      <WeightTable plan={plan} />
      <h2>Budget</h2>
      <BudgetForm options={props.options} values={props.budgetValues} error={props.optionsError} />
      <h2>Downloads</h2>
      <Downloads id={stored.id} options={props.options} />
      <ModalityScores result={result} />
      <h2>Diagnostics</h2>
      <DiagnosticsList result={result} />
    </>
  );
}

function CompareView(props: ShareProps & { plan: MixturePlan }) {
  const { stored } = props;
  const domains = stored.results[0].domains;
  const labels = stored.results.map((r, i) => `${i + 1}. ${methodLabel(r.method)}${paramsText(r.params) ? ` (${paramsText(r.params)})` : ''}`);
  const series = stored.results.map((r, i) => ({ label: labels[i], weights: r.weights }));
  return (
    <>
      <h1>{`Comparison of ${stored.results.length} mixtures over ${domains.length} domains`}</h1>
      <p class="lede">{`Same statistics set ${stored.statsId.slice(0, 12)}…, methods in request order.`}</p>
      <Warnings warnings={stored.results.flatMap((r) => (r.warnings ?? []).map((w) => `${methodLabel(r.method)}: ${w}`))} />
      <h2>Weights</h2>
      <div class="side">
        <GroupedBars domains={domains} series={series} title="Weights per domain for each method" />
        <table class="compare">
          <thead>
            <tr>
              <th>Domain</th>
              {stored.results.map((r, i) => <th title={labels[i]}>{`${i + 1}. ${r.method}`}</th>)}
            </tr>
          </thead>
          <tbody>
            {domains.map((d) => (
              <tr>
                <td>{d}</td>
                {stored.results.map((r) => <td>{percent(r.weights[d] ?? 0)}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2>Diagnostics</h2>
      <table>
        <thead>
          <tr><th>Method</th><th>Entropy (nats)</th><th>KL to uniform</th><th>KL to proportional</th><th>Effective dimension</th></tr>
        </thead>
        <tbody>
          {stored.results.map((r, i) => (
            <tr>
              <td>{labels[i]}</td>
              <td>{num(r.diagnostics.entropy)}</td>
              <td>{num(r.diagnostics.klToUniform)}</td>
              <td>{num(r.diagnostics.klToProportional)}</td>
              <td>{num(r.diagnostics.effectiveDimension)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Budget</h2>
      <BudgetForm options={props.options} values={props.budgetValues} error={props.optionsError} />
      <h2>Downloads</h2>
      {stored.results.map((_, i) => (
        <>
          <h3>{labels[i]}</h3>
          <Downloads id={stored.id} options={props.options} index={i} />
        </>
      ))}
    </>
  );
}

function SharePage(props: ShareProps & { plan: MixturePlan }) {
  const { stored } = props;
  const first = stored.results[0];
  const spectrum = stored.results.find((r) => r.diagnostics.spectrum && r.diagnostics.spectrum.length > 0);
  const lambda = typeof first.params.lambda === 'number' ? first.params.lambda : undefined;
  const ranked = [...first.domains].sort((a, b) => (first.weights[b] ?? 0) - (first.weights[a] ?? 0));
  return (
    <Layout meta={shareMeta(stored, props.url)}>
      {stored.kind === 'compare' ? <CompareView {...props} /> : <MixtureView {...props} />}
      {spectrum && <h2>{`Eigenvalue spectrum (${methodLabel(spectrum.method)})`}</h2>}
      {spectrum && <SpectrumChart spectrum={spectrum.diagnostics.spectrum ?? []} />}
      {stored.path && <h2>Regularization path</h2>}
      {stored.path && <PathChart path={stored.path} chosen={lambda} highlight={ranked} />}
      <h2>Inputs and identity</h2>
      <Identity stored={stored} statsPage={props.statsPage} />
    </Layout>
  );
}

/** Renders the share page; `options` must already be valid (see `planMixture`). */
export function renderSharePage(props: ShareProps): Promise<string> {
  const plan = planMixture(props.stored, props.options);
  return renderDocument(<SharePage {...props} plan={plan} />);
}
