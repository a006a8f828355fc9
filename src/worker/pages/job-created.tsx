/** Page shown once after the set page's job form created a job. It is the only page that shows the upload token. */
import { Layout, renderDocument } from './layout.js';

export interface CreatedJobView {
  id: string;
  statsId: string;
  shards: number;
  uploadToken: string;
  /** Expiry of the upload token, ISO 8601. */
  expiresAt: string;
  /** Shell command that runs one shard, with the upload token in MADMIX_JOB_TOKEN. */
  command: string;
  origin: string;
}

// The run command sets MADMIX_JOB_TOKEN only for itself, so these lines export it first.
const followCommands = (origin: string, id: string, token: string) => `export MADMIX_JOB_TOKEN='${token}'

# State of the job: shards uploaded, leases, result
curl -H "Authorization: Bearer $MADMIX_JOB_TOKEN" ${origin}/v1/jobs/${id}

# Merge the uploaded shards and compute the mixture once every shard is in
curl -X POST -H "Authorization: Bearer $MADMIX_JOB_TOKEN" ${origin}/v1/jobs/${id}/complete`;

function JobCreated(props: CreatedJobView) {
  return (
    <Layout meta={{ title: `madmix job ${props.id}`, description: 'A batch embedding job and its upload token.' }}>
      <h1>{`Embedding job ${props.id}`}</h1>
      <p class="warning" role="alert">
        {`Copy the upload token now: it is shown only on this page and cannot be retrieved again. It expires at ${props.expiresAt}. Anyone who has it can upload shards to this job.`}
      </p>
      <dl class="facts">
        <dt>Job id</dt>
        <dd><code>{props.id}</code></dd>
        <dt>Statistics set</dt>
        <dd><a href={`/s/${props.statsId}`}><code>{props.statsId}</code></a></dd>
        <dt>Shards</dt>
        <dd>{String(props.shards)}</dd>
        <dt>Upload token</dt>
        <dd><code class="secret">{props.uploadToken}</code></dd>
        <dt>Token expires</dt>
        <dd>{props.expiresAt}</dd>
      </dl>
      <h2>Run one shard</h2>
      <p>
        Run this in a checkout of madmix on a machine that has the data. The shard index comes from --shard-index, a Slurm array
        (SLURM_ARRAY_TASK_ID) or a Kubernetes indexed Job (JOB_COMPLETION_INDEX). Add embed input flags after -- if the job has none.
      </p>
      <pre>{props.command}</pre>
      <h2>Or start workers that claim shards</h2>
      <p>A --watch worker leases the next pending shard of any open job, embeds and uploads it, and repeats. It needs a write token.</p>
      <pre>{`MADMIX_TOKEN=<your write token> npx tsx scripts/jobs/run.ts --watch --service ${props.origin}`}</pre>
      <h2>Follow and complete the job</h2>
      <pre>{followCommands(props.origin, props.id, props.uploadToken)}</pre>
    </Layout>
  );
}

export const renderJobCreated = (props: CreatedJobView): Promise<string> => renderDocument(<JobCreated {...props} />);
