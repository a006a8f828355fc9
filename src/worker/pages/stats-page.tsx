/** The page of a stored statistics set: `/s/:id`. Pure HTML, and its forms work without JavaScript. */
import type { DatasetSize, StatsSet } from '../../core/stats/types.js';
import type { ResultRef } from './example.js';
import { num } from './format.js';
import { Layout, renderDocument } from './layout.js';
import { ComputeForm, EMPTY_COMPUTE, EMPTY_JOB, JobForm, type ComputeValues, type JobValues } from './stats-forms.js';

export interface StatsPageProps {
  id: string;
  set: StatsSet;
  /** Size of the stored safetensors file, in bytes. */
  size: number;
  /** Newest stored results on this set. */
  results: ResultRef[];
  origin: string;
  compute?: { values: ComputeValues; error?: string };
  job?: { values: JobValues; error?: string };
}

const datasetText = (d: DatasetSize) => (d.samples === undefined ? d.name : `${d.name} (${num(d.samples)})`);

function Identity(props: StatsPageProps) {
  const { id, set } = props;
  const meta = Object.entries(set.meta ?? {});
  return (
    <>
      <dl class="facts">
        <dt>Statistics set (sha256)</dt>
        <dd><code>{id}</code></dd>
        <dt>Domains</dt>
        <dd>{num(set.domains.length)}</dd>
        <dt>Stored size</dt>
        <dd>{`${num(props.size)} bytes`}</dd>
        {meta.map(([key, value]) => (
          <>
            <dt>{`meta.${key}`}</dt>
            <dd>{value}</dd>
          </>
        ))}
      </dl>
      <table>
        <thead><tr><th>Modality</th><th>Dimension</th><th>Model</th><th>Layer</th></tr></thead>
        <tbody>
          {set.modalities.map((m) => <tr><td>{m.name}</td><td>{num(m.dim)}</td><td>{m.model ?? ''}</td><td>{m.layer ?? ''}</td></tr>)}
        </tbody>
      </table>
    </>
  );
}

function DomainTable(props: { set: StatsSet }) {
  const { set } = props;
  return (
    <table class="domains">
      <thead>
        <tr>
          <th>Domain</th>
          {set.modalities.map((m) => <th title={`Samples embedded for ${m.name}`}>{`${m.name} count`}</th>)}
          <th>Samples</th>
          <th>Tokens</th>
          <th>Datasets</th>
        </tr>
      </thead>
      <tbody>
        {set.domains.map((d) => (
          <tr>
            <td>{d.name}</td>
            {set.modalities.map((m) => <td>{d.stats[m.name] ? num(d.stats[m.name].count) : 'absent'}</td>)}
            <td>{num(d.samples)}</td>
            <td>{num(d.tokens)}</td>
            <td style="text-align:left">{(d.datasets ?? []).map(datasetText).join(', ')}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Results(props: { results: ResultRef[] }) {
  if (props.results.length === 0) return <p>No mixture is stored for this set yet; compute one below.</p>;
  return (
    <ul class="results">
      {props.results.map((r) => (
        <li><a href={`/m/${r.id}`}>{r.kind === 'compare' ? 'Comparison' : 'Mixture'} {r.id}</a>{` (stored ${r.uploaded.toISOString()})`}</li>
      ))}
    </ul>
  );
}

const downloadCommands = (origin: string, id: string) => `# Stats JSON form
curl -H "Authorization: Bearer $MADMIX_TOKEN" -o ${id}.stats.json \\
  "${origin}/v1/stats/${id}/download?format=json"

# Canonical safetensors bytes (their sha256 is the set id)
curl -H "Authorization: Bearer $MADMIX_TOKEN" -o ${id}.safetensors \\
  "${origin}/v1/stats/${id}/download"`;

/** Both forms, which need a set of at least 2 domains (a mixture and a job both reject fewer). */
function SetForms(props: StatsPageProps) {
  const { id, set } = props;
  return (
    <>
      <h2 id="compute">Compute a mixture</h2>
      <p>Empty fields take the method defaults listed in the <a href="/docs">API docs</a>. The result is stored and shown on its share page.</p>
      <ComputeForm id={id} set={set} values={props.compute?.values ?? EMPTY_COMPUTE} error={props.compute?.error} />
      <h2 id="job">Create an embedding job</h2>
      <p>
        A job embeds this set's domains and modalities again, in shards, on your machines. It needs a token with role write; the page
        shows the job's upload token and the command that runs one shard.
      </p>
      <JobForm id={id} values={props.job?.values ?? EMPTY_JOB} error={props.job?.error} />
    </>
  );
}

/** Notice shown in place of the forms, because a mixture of fewer than 2 domains is rejected. */
function TooFewDomains(props: { count: number }) {
  return (
    <>
      <h2 id="compute">Compute a mixture</h2>
      <p class="warning" role="status">
        {`This set has ${props.count} domain${props.count === 1 ? '' : 's'}, and a mixture or an embedding job needs at least 2, so the compute and job forms are not shown. Upload a set with 2 or more domains, or merge this one with another set (POST /v1/stats/merge).`}
      </p>
    </>
  );
}

function StatsPage(props: StatsPageProps) {
  const { id, set } = props;
  const modalities = set.modalities.map((m) => m.name).join(', ');
  return (
    <Layout meta={{ title: `madmix statistics set ${id.slice(0, 12)}`, description: `${set.domains.length} domains over the modalities ${modalities}.`, url: `${props.origin}/s/${id}` }}>
      <h1>{`Statistics set ${id.slice(0, 12)}…`}</h1>
      <p class="lede">{`${set.domains.length} domains over the modalities ${modalities}. The set holds per-domain sample counts and embedding sums; no embedding is stored.`}</p>
      <h2>Identity</h2>
      <Identity {...props} />
      <h2>Domains</h2>
      <DomainTable set={set} />
      <h2>Stored mixtures</h2>
      <Results results={props.results} />
      {set.domains.length < 2 ? <TooFewDomains count={set.domains.length} /> : <SetForms {...props} />}
      <h2>Download</h2>
      <p>Downloads need a bearer token with role read, so this page shows the commands instead of links:</p>
      <pre>{downloadCommands(props.origin, id)}</pre>
    </Layout>
  );
}

export const renderStatsPage = (props: StatsPageProps): Promise<string> => renderDocument(<StatsPage {...props} />);
