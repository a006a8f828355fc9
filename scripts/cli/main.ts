import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MadmixError } from '../../src/core/errors.js';
import type { LinalgBackend } from '../../src/core/linalg/backend.js';
import { jsBackend } from '../../src/core/linalg/js.js';
import type { MethodName } from '../../src/core/methods/types.js';
import { computeMixture, regularizationPath } from '../../src/core/mix.js';
import { SOLVER_VERSION } from '../../src/core/version.js';
import { parseStats, validateStats } from '../../src/core/stats/index.js';
import type { StatsSet } from '../../src/core/stats/types.js';
import { HELP, parseArgs, UsageError, type CliOptions } from './args.js';
import { formatMixture, formatPath } from './format.js';

const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

/** Version line: the package version and the solver version that result ids include. */
async function versionText(): Promise<string> {
  const { version } = JSON.parse(await readFile(PACKAGE_JSON, 'utf8')) as { version: string };
  return `madmix ${version} (solver ${SOLVER_VERSION})\n`;
}

const WASM_LOADER = fileURLToPath(new URL('../lib/wasm-node.ts', import.meta.url));

/** Runs the CLI with `argv` (no node or script path) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const options = parseArgs(argv);
    if (options.command === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    if (options.command === 'version') {
      process.stdout.write(await versionText());
      return 0;
    }
    const set = await readStats(options.file as string);
    const backend = await chooseBackend(options.backend);
    process.stdout.write(options.command === 'mix' ? await runMix(set, options, backend) : await runPath(set, options, backend));
    return 0;
  } catch (error) {
    if (isUserError(error)) {
      process.stderr.write(`madmix: ${(error as Error).message}\n`);
      return 2;
    }
    process.stderr.write(`madmix: internal error\n${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}

async function runMix(set: StatsSet, options: CliOptions, backend: LinalgBackend): Promise<string> {
  const result = await computeMixture(set, { method: options.method as MethodName, params: options.params }, { backend });
  for (const warning of result.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
  return options.json ? JSON.stringify(result, null, 2) + '\n' : formatMixture(result);
}

async function runPath(set: StatsSet, options: CliOptions, backend: LinalgBackend): Promise<string> {
  if (options.method !== 'madmix') throw new UsageError(`The path command runs madmix only; remove --method ${options.method}.`);
  const path = await regularizationPath(set, options.params, { backend, points: options.points });
  return options.json ? JSON.stringify(path, null, 2) + '\n' : formatPath(path);
}

async function readStats(file: string): Promise<StatsSet> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read ${JSON.stringify(file)} (${code ?? (error as Error).message}); check the path.`);
  }
  let set: StatsSet;
  try {
    set = parseStats(bytes);
  } catch (error) {
    if (error instanceof MadmixError && error.details?.reason === 'unknown_format') {
      throw new UsageError(`${file} is neither statistics JSON nor safetensors: ${error.details.fix as string}.`);
    }
    throw error;
  }
  validateStats(set);
  return set;
}

/** Loads the WASM backend unless `js` is requested; falls back to JS with a note on stderr. */
async function chooseBackend(requested: 'wasm' | 'js'): Promise<LinalgBackend> {
  if (requested === 'js') return jsBackend;
  if (!existsSync(WASM_LOADER)) {
    process.stderr.write('note: the WASM backend loader is missing; using the JS backend.\n');
    return jsBackend;
  }
  try {
    const { loadWasmBackend } = await import(WASM_LOADER);
    return (await loadWasmBackend()) as LinalgBackend;
  } catch (error) {
    process.stderr.write(`note: the WASM backend failed to load (${(error as Error).message}); using the JS backend. Run npm run build:wasm to build it.\n`);
    return jsBackend;
  }
}

function isUserError(error: unknown): boolean {
  return error instanceof UsageError || (error instanceof MadmixError && error.code !== 'internal');
}
