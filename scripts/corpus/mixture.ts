import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { computeMixture } from '../../src/core/mix.js';
import type { MethodName } from '../../src/core/methods/types.js';
import { parseStats, replaceDomain } from '../../src/core/stats/index.js';

const USAGE = `Usage: npx tsx scripts/corpus/mixture.ts STATS [STATS...] [--method M]... [--over BASE]

Prints a markdown table of mixture weights of the first statistics file for
each method (default: madmix, avg, uniform, proportional), then, when more
files are given (the same corpus sampled with other seeds), the max and mean
absolute difference of each method's weights from the first file's.

  --over BASE   treat every STATS file as a partial set: its domains replace
                the same-named domains of BASE (to compare seeds after
                re-embedding only the domains a seed changes)
`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      method: { type: 'string', multiple: true },
      over: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stdout.write(USAGE);
    return;
  }
  const methods = (values.method ?? ['madmix', 'avg', 'uniform', 'proportional']) as MethodName[];
  const base = values.over ? parseStats(readFileSync(values.over)) : undefined;
  const sets = positionals.map((file) => {
    const set = parseStats(readFileSync(file));
    return base ? set.domains.reduce(replaceDomain, base) : set;
  });
  const results = await Promise.all(
    sets.map((set) => Promise.all(methods.map((method) => computeMixture(set, { method })))),
  );
  const [first] = results;
  const names = first[0].domains;
  const lines = [`| domain | samples | ${methods.join(' | ')} |`, `|---|---:|${methods.map(() => '---:').join('|')}|`];
  for (const name of names) {
    const samples = sets[0].domains.find((domain) => domain.name === name)?.samples ?? '';
    lines.push(`| ${name} | ${samples} | ${first.map((result) => result.weights[name].toFixed(4)).join(' | ')} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  if (results.length > 1) {
    process.stdout.write('\n| method | max abs diff | mean abs diff |\n|---|---:|---:|\n');
    methods.forEach((method, m) => {
      const diffs = results.slice(1).flatMap((other) => names.map((name) => Math.abs(other[m].weights[name] - first[m].weights[name])));
      const max = Math.max(...diffs);
      const mean = diffs.reduce((total, diff) => total + diff, 0) / diffs.length;
      process.stdout.write(`| ${method} | ${max.toExponential(2)} | ${mean.toExponential(2)} |\n`);
    });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`mixture: ${error.message}\n`);
    process.exit(1);
  });
}
