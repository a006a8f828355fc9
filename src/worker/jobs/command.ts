import type { JobPlan } from './types.js';

/** Quotes `value` for a POSIX shell unless it consists only of safe characters. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Embed-script flags of a job: sampling from the plan, then its input flags. */
export function embedArgs(plan: JobPlan): string[] {
  const args: string[] = [];
  if (plan.samplesPerDataset !== undefined) args.push('--samples', String(plan.samplesPerDataset));
  if (plan.seed !== undefined) args.push('--seed', String(plan.seed));
  return [...args, ...(plan.embedArgs ?? [])];
}

/**
 * Arguments of `scripts/jobs/run.ts` for one job. Without `shardIndex`,
 * run.ts takes the index from --shard-index, a Slurm array (SLURM_ARRAY_TASK_ID) or a
 * Kubernetes indexed Job (JOB_COMPLETION_INDEX).
 */
export function runArgs(origin: string, jobId: string, plan: JobPlan, shardIndex?: number): string[] {
  const shard = shardIndex === undefined ? [] : ['--shard-index', String(shardIndex)];
  return ['--service', origin, '--job', jobId, '--shard-count', String(plan.shards), ...shard, '--', ...embedArgs(plan)];
}

/**
 * Builds the shell command that runs one shard. The token goes in
 * MADMIX_JOB_TOKEN so it stays out of `ps`. With more than one shard the command reads the index
 * from the shell variable SHARD, so running it without setting SHARD fails
 * instead of running shard 0. Under a Slurm array or a Kubernetes indexed Job,
 * drop `--shard-index "$SHARD"` and run.ts takes the index from the environment.
 */
export function runCommand(origin: string, jobId: string, token: string, plan: JobPlan): string {
  const [service, serviceValue, job, jobValue, ...rest] = runArgs(origin, jobId, plan).map(shellQuote);
  const index = plan.shards > 1 ? ' --shard-index "$SHARD"' : '';
  return `MADMIX_JOB_TOKEN=${shellQuote(token)} npx tsx scripts/jobs/run.ts ${service} ${serviceValue} ${job} ${jobValue}${index} ${rest.join(' ')}`;
}

/** Explains how to run `runCommand`'s output; POST /v1/jobs returns it as `commandNote`. */
export function runCommandNote(plan: JobPlan): string {
  if (plan.shards === 1) return 'Runs the job\'s only shard.';
  return `Set SHARD to each index from 0 to ${plan.shards - 1} (one process per shard, e.g. \`for SHARD in $(seq 0 ${plan.shards - 1}); do ...; done\`). Under a Slurm array or Kubernetes indexed Job, drop --shard-index "$SHARD" and the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.`;
}
