#!/usr/bin/env node
import { pathToFileURL } from 'node:url';
import { failureStatus, logLine, parseJobArgs, required, tokenFrom } from './args.js';
import { JobsClient } from './client.js';

export const USAGE = `Usage: npx tsx scripts/jobs/complete.ts --service URL --job ID [--allow-partial]

Merges the uploaded shards of a job into one statistics set, computes the
job's mixture when it has one, and prints {statsId, mixtureId?, url?} as JSON.
Completing again prints the same ids.

  --service URL      madmix service origin
  --job ID           job id
  --token TOKEN      job or write token (default: MADMIX_JOB_TOKEN, else MADMIX_TOKEN)
  --allow-partial    merge the shards present when some are missing
  --status           print the job's state instead of completing it
`;

export async function main(argv: string[]): Promise<number> {
  try {
    const { values } = parseJobArgs(argv, { job: { type: 'string' }, 'allow-partial': { type: 'boolean' }, status: { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const jobId = required(values, 'job');
    const client = new JobsClient({ service: required(values, 'service', 'MADMIX_SERVICE'), token: tokenFrom(values), log: logLine });
    if (values.status) {
      process.stdout.write(`${JSON.stringify(await client.getJob(jobId), null, 2)}\n`);
      return 0;
    }
    const result = await client.complete(jobId, Boolean(values['allow-partial']));
    logLine(`job ${jobId} completed from shards ${result.shardsIncluded.join(', ')}${result.partial ? ' (partial)' : ''}`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    return failureStatus(error);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
