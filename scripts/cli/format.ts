import type { MixtureResult, RegularizationPath } from '../../src/core/methods/types.js';

const BAR_WIDTH = 30;

/** Formats a mixture as a table (domain, weight %, score, bar) followed by its provenance. */
export function formatMixture(result: MixtureResult): string {
  const nameWidth = Math.max(6, ...result.domains.map((d) => d.length));
  const maxWeight = Math.max(...Object.values(result.weights));
  const lines = [`${'domain'.padEnd(nameWidth)}  ${'weight %'.padStart(9)}  ${'score'.padStart(11)}  bar`];
  for (const name of result.domains) {
    const weight = result.weights[name];
    const score = result.scores?.[name];
    const bar = '#'.repeat(maxWeight > 0 ? Math.round((weight / maxWeight) * BAR_WIDTH) : 0);
    const scoreText = score === undefined ? '-' : score.toPrecision(6);
    lines.push(`${name.padEnd(nameWidth)}  ${(weight * 100).toFixed(3).padStart(9)}  ${scoreText.padStart(11)}  ${bar}`);
  }
  const d = result.diagnostics;
  lines.push('');
  lines.push(`method          ${result.method}`);
  lines.push(`params          ${JSON.stringify(result.params)}`);
  lines.push(`input hash      ${result.inputHash}`);
  lines.push(`solver version  ${result.solverVersion}`);
  lines.push(`backend         ${d.backend ?? '-'}${d.side ? `, ${d.side} side` : ''}`);
  if (d.effectiveDimension !== undefined) lines.push(`effective dim   ${d.effectiveDimension.toFixed(4)}`);
  lines.push(`entropy         ${d.entropy.toFixed(4)} of max ${d.maxEntropy.toFixed(4)} nats`);
  lines.push(`KL to uniform   ${d.klToUniform.toFixed(4)} nats`);
  if (d.klToProportional !== undefined) lines.push(`KL to sizes     ${d.klToProportional.toFixed(4)} nats (samples)`);
  return lines.join('\n') + '\n';
}

/** Formats a regularization path: one row per lambda, one column of weight % per domain. */
export function formatPath(path: RegularizationPath): string {
  const names = Object.keys(path.weights);
  const widths = names.map((n) => Math.max(8, n.length));
  const header = ['lambda'.padStart(10), 'eff. dim'.padStart(9), ...names.map((n, j) => n.padStart(widths[j]))];
  const lines = [header.join('  ')];
  path.lambdas.forEach((lambda, i) => {
    const cells = [
      lambda.toExponential(2).padStart(10),
      path.effectiveDimension[i].toFixed(3).padStart(9),
      ...names.map((n, j) => (path.weights[n][i] * 100).toFixed(2).padStart(widths[j])),
    ];
    lines.push(cells.join('  '));
  });
  lines.push('', 'Weights in %. Columns are domains, rows are values of lambda.');
  return lines.join('\n') + '\n';
}
