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

/** The shell command that runs one shard of the job; the token goes in MADMIX_JOB_TOKEN so it stays out of `ps`. */
export function runCommand(origin: string, jobId: string, token: string, plan: JobPlan): string {
  const args = runArgs(origin, jobId, plan).map(shellQuote).join(' ');
  return `MADMIX_JOB_TOKEN=${shellQuote(token)} npx tsx scripts/jobs/run.ts ${args}`;
}
