/** The start page: what madmix is, the example set, and how to call the API. */
import type { ExampleSet } from './example.js';
import { num } from './format.js';
import { Layout, renderDocument } from './layout.js';

function Example(props: { example?: ExampleSet }) {
  const { example } = props;
  if (!example) return <p>No statistics set is stored yet. Upload one with the first command below.</p>;
  return (
    <>
      <p>
        {`Set ${example.id.slice(0, 16)}… with ${example.domains.length} domains over the modalities ${example.modalities.join(', ') || 'none'}`}
        {example.meta.corpus ? ` (${example.meta.corpus})` : ''}.{' '}
        {example.resultId ? <a href={`/m/${example.resultId}`}>See its mixture</a> : 'No mixture has been computed on it yet.'}{' '}
        <a href={`/s/${example.id}`}>Open the set</a> to see every domain, compute a mixture or create an embedding job.
      </p>
      <table>
        <thead>
          <tr><th>Domain</th><th>Samples</th><th>Tokens</th></tr>
        </thead>
        <tbody>
          {example.domains.map((d) => (
            <tr><td>{d.name}</td><td>{num(d.samples)}</td><td>{num(d.tokens)}</td></tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

const curl = (origin: string, statsId: string) => `# Upload a statistics set (needs a token with the write role)
curl -X POST ${origin}/v1/stats \\
  -H "Authorization: Bearer $MADMIX_TOKEN" \\
  -H "Content-Type: application/json" \\
  --data-binary @data/debian-corpus.stats.json

# Compute a MaD-Mix mixture on the stored set (public, rate-limited without a token)
curl -X POST ${origin}/v1/mixtures \\
  -H "Content-Type: application/json" \\
  -d '{"stats": "${statsId}",
       "method": "madmix", "params": {"lambda": 10}}'

# Compare methods on the same set
curl -X POST ${origin}/v1/compare \\
  -H "Content-Type: application/json" \\
  -d '{"stats": "${statsId}",
       "methods": [{"method": "madmix"}, {"method": "uniform"}, {"method": "unimax"}]}'

# Export a result for Megatron-LM with a budget of one million samples
curl "${origin}/v1/mixtures/<result id>/export/megatron?budget=1000000&unit=samples"`;

/** Renders the start page for the deployment at `origin`. */
export function renderLanding(origin: string, example: ExampleSet | undefined): Promise<string> {
  return renderDocument(
    <Layout meta={{ title: 'madmix: data mixtures for vision-language model training', description: 'Compute MaD-Mix and baseline data mixtures from per-domain embedding statistics, and export them to Megatron, Energon, LLaVA, Hugging Face and Data-Juicer.', url: `${origin}/` }}>
      <h1>madmix</h1>
      <p class="lede">
        madmix computes how much of each data domain to train a vision-language model on. You send per-domain statistics (for each
        modality, a sample count and the sum of the embeddings); madmix returns weights from MaD-Mix, Chameleon or a size baseline, with
        diagnostics, the samples and epochs a budget implies, a page to share, and files for training frameworks.
      </p>
      <p>Embeddings never leave your machine: the statistics are sums, and two sets merge exactly by adding them.</p>
      <h2>Example set</h2>
      <Example example={example} />
      <h2>Call the API</h2>
      <pre>{curl(origin, example?.id ?? '<stats id>')}</pre>
      <p>
        Every route, parameter, default, error and limit is described in the <a href="/docs">API docs</a> and in{' '}
        <a href="/openapi.json">openapi.json</a>.
      </p>
    </Layout>,
  );
}
