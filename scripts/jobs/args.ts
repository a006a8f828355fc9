import { parseArgs } from 'node:util';

/** Flags shared by the job scripts; the token comes from --token or MADMIX_JOB_TOKEN / MADMIX_TOKEN so it can stay out of `ps`. */
export const COMMON_OPTIONS = {
  service: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A mistake in the command line or environment; the scripts print its message and exit with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Logs `error` as one line and returns the exit status: 2 for usage errors, 1 for everything else. */
export function failureStatus(error: unknown): number {
  const usage = error instanceof UsageError || (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
  logLine(`${usage ? 'usage error' : 'failed'}: ${(error as Error).message}`);
  return usage ? 2 : 1;
}

export function parseJobArgs<O extends Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>>(argv: string[], options: O) {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const rest = split === -1 ? [] : argv.slice(split + 1);
  const { values } = parseArgs({ args: own, options: { ...COMMON_OPTIONS, ...options }, allowPositionals: false });
  return { values: values as Record<string, string | boolean | undefined>, rest };
}

/** Returns the flag value or the environment fallback; throws a usage message naming both when neither is set. */
export function required(values: Record<string, unknown>, flag: string, env?: string): string {
  const value = values[flag] ?? (env ? process.env[env] : undefined);
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`--${flag} is missing${env ? ` (or set ${env})` : ''}; see --help`);
  }
  return value;
}

export function tokenFrom(values: Record<string, unknown>): string {
  const token = values.token ?? process.env.MADMIX_JOB_TOKEN ?? process.env.MADMIX_TOKEN;
  if (typeof token !== 'string' || token === '') throw new UsageError('no token: pass --token or set MADMIX_JOB_TOKEN (job token) or MADMIX_TOKEN (write token)');
  return token;
}

/** Prints one line per state change to stderr, prefixed with the script's name. */
export const logLine = (line: string): void => {
  process.stderr.write(`jobs: ${line}\n`);
};
