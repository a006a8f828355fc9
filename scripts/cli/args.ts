/** Command-line parsing for the madmix CLI. */

/** An error in how the CLI was called; printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliOptions {
  command: 'mix' | 'path' | 'help' | 'version';
  file?: string;
  method: string;
  params: Record<string, unknown>;
  json: boolean;
  backend: 'wasm' | 'js';
  points?: number;
}

/** Flags that set a method parameter, with the parameter name and how to read the value. */
const PARAM_FLAGS: Record<string, { param: string; kind: 'number' | 'string' | 'weights' }> = {
  '--lambda': { param: 'lambda', kind: 'number' },
  '--temperature': { param: 'temperature', kind: 'number' },
  '--normalize': { param: 'normalize', kind: 'string' },
  '--modality': { param: 'modality', kind: 'string' },
  '--stage': { param: 'stage', kind: 'string' },
  '--budget': { param: 'budget', kind: 'number' },
  '--max-epochs': { param: 'maxEpochs', kind: 'number' },
  '--size': { param: 'size', kind: 'string' },
  '--weights': { param: 'weights', kind: 'weights' },
};
const VALUE_FLAGS = ['--method', '--backend', '--points', ...Object.keys(PARAM_FLAGS)];
const SWITCHES = ['--json', '--help', '-h', '--version'];

/** Parses `argv` (without the node and script paths) into CLI options. */
export function parseArgs(argv: string[]): CliOptions {
  const options: CliOptions = { command: 'help', method: 'madmix', params: {}, json: false, backend: 'wasm' };
  const positional: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = splitFlag(arg);
    if (SWITCHES.includes(flag)) {
      if (inline !== undefined) throw new UsageError(`Flag ${flag} takes no value; remove "=${inline}".`);
      if (flag === '--json') options.json = true;
      else if (flag === '--version') return { ...options, command: 'version' };
      else return { ...options, command: 'help' };
      continue;
    }
    if (!VALUE_FLAGS.includes(flag)) throw new UsageError(`Unknown flag ${flag}; run madmix --help for the list of flags.`);
    if (seen.has(flag)) throw new UsageError(`Flag ${flag} is repeated; pass it once.`);
    seen.add(flag);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`Flag ${flag} needs a value.`);
    applyFlag(options, flag, value);
  }
  return checkApplicable(withCommand(options, positional));
}

/**
 * Rejects flags that the command or method would ignore. Method parameters
 * that do not fit the method are left to the solver's own check, which names the valid ones.
 */
function checkApplicable(options: CliOptions): CliOptions {
  if (options.command === 'mix' && options.points !== undefined) {
    throw new UsageError('Flag --points applies only to the path command, which computes that many lambda values; remove it or run madmix path.');
  }
  if (options.command === 'path' && options.params.lambda !== undefined) {
    throw new UsageError(
      'Flag --lambda does not apply to the path command: path varies lambda over its own log grid (1e-3 to 1e4) by design; remove --lambda, or run madmix mix --lambda X for one value.',
    );
  }
  if (options.command !== 'help' && options.method === 'manual' && options.params.weights === undefined) {
    throw new UsageError('Method manual needs weights; pass --weights name=w,name=w with one weight per domain.');
  }
  return options;
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf('=');
  return eq < 0 ? [arg, undefined] : [arg.slice(0, eq), arg.slice(eq + 1)];
}

function applyFlag(options: CliOptions, flag: string, value: string): void {
  if (flag === '--method') options.method = value;
  else if (flag === '--backend') {
    if (value !== 'wasm' && value !== 'js') throw new UsageError(`Invalid --backend ${JSON.stringify(value)}; use wasm or js.`);
    options.backend = value;
  } else if (flag === '--points') options.points = readNumber(flag, value);
  else {
    const { param, kind } = PARAM_FLAGS[flag];
    options.params[param] = kind === 'number' ? readNumber(flag, value) : kind === 'weights' ? readWeights(value) : value;
  }
}

function readNumber(flag: string, value: string): number {
  const number = value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(number)) throw new UsageError(`Flag ${flag} needs a number, got ${JSON.stringify(value)}.`);
  return number;
}

/** Reads `name=weight,name=weight`; a domain name may contain `=` only before the last one. */
function readWeights(value: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const pair of value.split(',')) {
    const eq = pair.lastIndexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid --weights entry ${JSON.stringify(pair)}; use name=weight pairs separated by commas.`);
    const name = pair.slice(0, eq).trim();
    // A repeated name would silently keep only its last weight.
    if (Object.hasOwn(weights, name)) throw new UsageError(`Domain ${JSON.stringify(name)} appears twice in --weights; give each domain one weight.`);
    weights[name] = readNumber('--weights', pair.slice(eq + 1));
  }
  return weights;
}

function withCommand(options: CliOptions, positional: string[]): CliOptions {
  if (positional.length === 0) return options;
  const [command, file, ...extra] = positional;
  if (command === 'help') return options;
  if (command !== 'mix' && command !== 'path') throw new UsageError(`Unknown command ${JSON.stringify(command)}; use mix, path or --help.`);
  if (!file) throw new UsageError(`Command ${command} needs a statistics file (JSON or safetensors).`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument ${JSON.stringify(extra[0])}; pass one statistics file.`);
  return { ...options, command, file };
}

export const HELP = `madmix: data mixtures for vision-language model training

Usage:
  madmix mix FILE [options]    compute a mixture from a statistics file (JSON or safetensors)
  madmix path FILE [options]   MaD-Mix weights over a log grid of lambda (1e-3 to 1e4)
  madmix --help                show this help
  madmix --version             print the package version and the solver version

Options:
  --method M           madmix (default), avg, modality, chameleon, uniform, proportional,
                       temperature, unimax, manual
  --lambda X           ridge regularizer, > 0 (madmix, avg, modality, chameleon; default 10)
  --temperature T      softmax temperature for madmix (default 1), or T of temperature sampling (default 2)
  --normalize none|l2  scale each centroid to unit norm before building kernels (default none)
  --modality NAME      modality for the modality and chameleon methods
  --stage S            chameleon stage: finetune (default) or pretrain
  --budget B           unimax budget, in the unit of --size (default: the total size)
  --max-epochs E       unimax cap on epochs per domain (default 4)
  --size samples|tokens  unit of the size-based methods (default samples)
  --weights a=w,b=w    manual weights, one per domain
  --points N           number of lambda values for path (default 25)
  --backend wasm|js    linear algebra backend (default wasm, falls back to js)
  --json               print the full result as JSON

Exit codes: 0 success, 2 invalid input or usage, 1 internal error.
`;
