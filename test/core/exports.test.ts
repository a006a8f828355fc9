import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MadmixError } from '../../src/core/errors.js';
import { EXPORT_FORMATS, planMixture, renderExport } from '../../src/core/exports/index.js';
import { LLAVA_MAX_PASSES } from '../../src/core/exports/frameworks.js';
import { apportion, MAX_BUDGET } from '../../src/core/exports/plan.js';
import { CSV_COLUMNS } from '../../src/core/exports/tabular.js';
import { csvField, quoteString, yamlNumber } from '../../src/core/exports/quote.js';
import { HOSTILE, storedMixture } from './exports-fixture.js';

const python = spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' });
const hasPyYaml = python.status === 0;

/** Runs a Python program with `input` on stdin and returns its stdout parsed as JSON. */
function runPython(program: string, input: string): unknown {
  return JSON.parse(execFileSync('python3', ['-c', program], { input, encoding: 'utf8' }));
}

/** Minimal RFC 4180 reader, to check the CSV export independently. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field), rows.push(row), (row = []), (field = ''), i++;
    } else field += ch;
  }
  return rows;
}

const hostile = storedMixture(HOSTILE.map((name, i) => ({ name, weight: (i + 1) / 66, samples: 100 * (i + 1) })));

describe('exports: sample and epoch math', () => {
  const stored = storedMixture([
    { name: 'big', weight: 0.6, samples: 1000, tokens: 100_000 },
    { name: 'small', weight: 0.3999999, samples: 50, tokens: 2_000 },
    { name: 'tiny', weight: 1e-7, samples: 10, tokens: 1_000 },
  ]);

  it('samples budget: implied samples sum to the budget', () => {
    const plan = planMixture(stored, { budget: 1000 });
    expect(plan.domains.map((d) => d.impliedSamples)).toEqual([600, 400, 0]);
    expect(plan.domains[0].epochs).toBeCloseTo(0.6, 12);
    expect(plan.domains[1].epochs).toBeCloseTo(8, 12);
  });

  it('samples budget: warns on zero samples and on epochs above the cap', () => {
    const plan = planMixture(stored, { budget: 1000 });
    expect(plan.warnings.some((w) => w.includes('"tiny"') && w.includes('0 samples'))).toBe(true);
    expect(plan.warnings.some((w) => w.includes('"small"') && w.includes('8.0 times'))).toBe(true);
    expect(plan.warnings.some((w) => w.includes('"big"'))).toBe(false);
  });

  it('maxEpochs: raising the cap removes the epoch warning', () => {
    const plan = planMixture(stored, { budget: 1000, maxEpochs: 10 });
    expect(plan.warnings.some((w) => w.includes('"small"'))).toBe(false);
  });

  it('tokens budget: converts with tokens per sample', () => {
    const plan = planMixture(stored, { budget: 10_000, unit: 'tokens' });
    // big: 6000 tokens at 100 tokens/sample = 60 samples, 0.06 epochs (exact up to 1e-12).
    expect(plan.domains[0].impliedTokens).toBeCloseTo(6000, 9);
    expect(plan.domains[0].impliedSamples).toBe(60);
    expect(plan.domains[0].epochs).toBeCloseTo(0.06, 12);
    // small: 4000 tokens at 40 tokens/sample = 100 samples, 2 epochs.
    expect(plan.domains[1].impliedSamples).toBe(100);
    expect(plan.domains[1].epochs).toBeCloseTo(2, 6);
  });

  it('tokens budget: warns when token counts are missing', () => {
    const noTokens = storedMixture([
      { name: 'a', weight: 0.5, samples: 10 },
      { name: 'b', weight: 0.5, samples: 10, tokens: 100 },
    ]);
    const plan = planMixture(noTokens, { budget: 100, unit: 'tokens' });
    expect(plan.domains[0].impliedSamples).toBeUndefined();
    expect(plan.warnings[0]).toContain('"a"');
  });

  it('apportion: parts sum exactly to the total', () => {
    const shares = [1 / 3, 1 / 3, 1 / 3, 1e-9, 0];
    const parts = apportion(shares, 1001);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1001);
    expect(parts[4]).toBe(0);
  });

  it('csv: carries implied samples and epochs', () => {
    const rows = readCsv(renderExport(stored, 'csv', { budget: 1000 }).body);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows[2][0]).toBe('small');
    expect(rows[2][5]).toBe('400');
    expect(Number(rows[2][6])).toBeCloseTo(8, 12);
    expect(rows[2][7]).toContain('8.0 times');
    expect(rows[2][10]).toBe(stored.id);
    expect(JSON.parse(rows[2][13])).toEqual(stored.results[0].params);
  });
});

describe('exports: option validation', () => {
  const stored = storedMixture([{ name: 'a', weight: 1, samples: 1 }]);
  const cases: [string, object][] = [
    ['budget', { budget: -1 }],
    ['budget', { budget: 0 }],
    ['budget', { budget: Number.NaN }],
    ['budget', { budget: Number.POSITIVE_INFINITY }],
    ['unit', { unit: 'bytes' }],
    ['maxEpochs', { maxEpochs: 0 }],
    ['index', { resultIndex: 1 }],
    ['index', { resultIndex: 0.5 }],
  ];
  for (const [field, options] of cases) {
    it(`${field}: rejects ${JSON.stringify(options)}`, () => {
      let error: unknown;
      try {
        renderExport(stored, 'json', options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MadmixError);
      expect((error as MadmixError).code).toBe('invalid_parameter');
      expect((error as MadmixError).details?.field).toBe(field);
      expect((error as MadmixError).message).toMatch(/use /);
    });
  }

  it('format: rejects an unknown format', () => {
    expect(() => renderExport(stored, 'xml' as never, {})).toThrow(/Invalid format "xml"/);
  });
});

describe('exports: every format', () => {
  for (const format of EXPORT_FORMATS) {
    it(`${format}: carries provenance and every name`, () => {
      const file = renderExport(hostile, format, { budget: 10_000 });
      expect(file.body).toContain(hostile.id);
      expect(file.body).toContain(hostile.statsId);
      expect(file.body).toContain(hostile.results[0].solverVersion);
      expect(file.body).toContain('madmix');
      expect(file.filename).toMatch(/^madmix-c0ffeec0ffee[-.]/);
      expect(file.contentType).toContain('charset=utf-8');
    });
  }

  it('json: round-trips hostile names', () => {
    const body = JSON.parse(renderExport(hostile, 'json', {}).body);
    expect(body.domains.map((d: { name: string }) => d.name)).toEqual(HOSTILE);
    expect(body.provenance.method).toBe('madmix');
  });

  it('csv: round-trips hostile names, formula guarded', () => {
    const rows = readCsv(renderExport(hostile, 'csv', {}).body).slice(1);
    const expected = HOSTILE.map((n) => (/^[=+\-@\t\r]/.test(n) ? `'${n}` : n));
    expect(rows.map((r) => r[0])).toEqual(expected);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
  });

  it('megatron: bash reads weight and path pairs back', () => {
    const body = renderExport(hostile, 'megatron', {}).body;
    const args = body.split('\n').filter((l) => !l.startsWith('#')).join('\n');
    const out = execFileSync('bash', ['-c', `set -- ${args}\nprintf '%s\\0' "$@"`], { encoding: 'utf8' });
    const words = out.split('\0').slice(0, -1);
    expect(words[0]).toBe('--data-path');
    expect(words.filter((_, i) => i > 0 && i % 2 === 0)).toEqual(HOSTILE);
    const weights = words.filter((_, i) => i % 2 === 1).map(Number);
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('datajuicer: dataset_path keeps one pair per name', () => {
    const body = renderExport(hostile, 'datajuicer', {}).body;
    const line = body.split('\n').find((l) => l.startsWith('dataset_path: '))!;
    const pairs = JSON.parse(line.slice('dataset_path: '.length)) as string;
    const out = execFileSync('bash', ['-c', `set -- ${pairs}\nprintf '%s\\0' "$@"`], { encoding: 'utf8' });
    expect(out.split('\0').filter((_, i) => i % 2 === 1)).toEqual(HOSTILE);
  });

  it.skipIf(!hasPyYaml)('yaml formats: PyYAML reads names back', () => {
    const read = `import sys, json, yaml\nd = yaml.safe_load(sys.stdin.read())\nprint(json.dumps(d))`;
    const energon = runPython(read, renderExport(hostile, 'energon', {}).body) as { splits: { train: { blend: { path: string; weight: number }[] } } };
    expect(energon.splits.train.blend.map((b) => b.path)).toEqual(HOSTILE);
    const llava = runPython(read, renderExport(hostile, 'llava', {}).body) as { datasets: { json_path: string }[] };
    expect([...new Set(llava.datasets.map((d) => d.json_path))]).toEqual(HOSTILE);
    const dj = runPython(read, renderExport(hostile, 'datajuicer', {}).body) as { dataset_path: string };
    expect(typeof dj.dataset_path).toBe('string');
  });

  it.skipIf(!hasPyYaml)('hf: Python reads names and probabilities in order', () => {
    const read = `import sys, json, ast\ntree = ast.parse(sys.stdin.read())\nout = {}\nfor node in tree.body:\n    if isinstance(node, ast.Assign) and node.targets[0].id in ("names", "probabilities"):\n        out[node.targets[0].id] = ast.literal_eval(node.value)\nprint(json.dumps(out))`;
    const parsed = runPython(read, renderExport(hostile, 'hf', {}).body) as { names: string[]; probabilities: number[] };
    expect(parsed.names).toEqual(HOSTILE);
    expect(parsed.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(parsed.probabilities[0]).toBeCloseTo(1 / 66, 12);
  });
});

describe('exports: framework details', () => {
  const withDatasets = storedMixture([
    { name: 'docs', weight: 0.75, samples: 300, datasets: [{ name: 'docvqa', samples: 100 }, { name: 'chartqa', samples: 200 }] },
    { name: 'caps', weight: 0.25, samples: 50 },
    { name: 'off', weight: 0, samples: 10 },
  ]);

  it('blend: splits a domain over datasets by size', () => {
    const body = renderExport(withDatasets, 'megatron', {}).body;
    expect(body).toContain('  0.25 docvqa');
    expect(body).toContain('  0.5 chartqa');
    expect(body).toContain('  0.25 caps');
    expect(body).not.toMatch(/^ {2}\S+ off$/m);
    expect(body).toContain('Left out with weight 0: "off"');
  });

  it('llava: repeats a dataset once per full epoch', () => {
    const body = renderExport(withDatasets, 'llava', { budget: 400 }).body;
    // caps: 100 samples of 50 = two full passes; docvqa 100 of 100 = one pass; chartqa 200 of 200.
    expect(body.match(/json_path: "caps"\n {4}sampling_strategy: "all"/g)).toHaveLength(2);
    expect(body.match(/json_path: "docvqa"\n {4}sampling_strategy: "all"/g)).toHaveLength(1);
  });

  it('llava: without a budget no dataset repeats', () => {
    const body = renderExport(withDatasets, 'llava', {}).body;
    // Scale = min(100/0.25, 200/0.5, 50/0.25) = 200 samples: docvqa 50, chartqa 100, caps 50 (all).
    expect(body).toContain('json_path: "docvqa"\n    sampling_strategy: "random:50"');
    expect(body).toContain('json_path: "chartqa"\n    sampling_strategy: "random:100"');
    expect(body).toContain('json_path: "caps"\n    sampling_strategy: "all"');
  });

  it('energon: writes a MetadatasetV2 blend', () => {
    const body = renderExport(withDatasets, 'energon', {}).body;
    expect(body).toContain('__module__: megatron.energon\n__class__: MetadatasetV2\nsplits:\n  train:\n    blend:\n');
    expect(body).toContain('      - weight: 0.25\n        path: "docvqa"');
  });

  it('hf: takes the budget in samples', () => {
    expect(renderExport(withDatasets, 'hf', { budget: 1234 }).body).toContain('mixed = mixed.take(1234)');
  });
});

describe('exports: quoting helpers', () => {
  it('quoteString: escapes line separators', () => {
    expect(quoteString('a\u2028b\u0085')).toBe('"a\\u2028b\\u0085"');
  });

  it('csvField: quotes commas and doubles quotes', () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
  });

  it('yamlNumber: writes floats PyYAML reads', () => {
    expect(yamlNumber(1e-7)).toBe('1.0e-7');
    expect(yamlNumber(1.5e-7)).toBe('1.5e-7');
    expect(yamlNumber(0.25)).toBe('0.25');
  });
});

describe('exports: bounded output', () => {
  const small = storedMixture([
    { name: 'big', weight: 0.5, samples: 1_000_000 },
    { name: 'tiny', weight: 0.5, samples: 10 },
  ]);

  function errorOf(run: () => unknown): MadmixError {
    try {
      run();
    } catch (e) {
      return e as MadmixError;
    }
    throw new Error('expected an error');
  }

  it('budget: rejects values above MAX_BUDGET and names the range', () => {
    for (const budget of [1e16, 1e300]) {
      const error = errorOf(() => renderExport(small, 'llava', { budget }));
      expect(error.code).toBe('invalid_parameter');
      expect(error.message).toContain(String(MAX_BUDGET));
    }
  });

  it('budget: says an infinite value is not finite', () => {
    const error = errorOf(() => renderExport(small, 'json', { budget: Number.POSITIVE_INFINITY }));
    expect(error.message).toContain('not finite');
  });

  it('llava: rejects more passes than LLAVA_MAX_PASSES and names the dataset', () => {
    const error = errorOf(() => renderExport(small, 'llava', { budget: 1e5 }));
    expect(error.code).toBe('invalid_parameter');
    expect(error.status).toBe(422);
    expect(error.message).toContain('"tiny"');
    expect(error.message).toContain(`${LLAVA_MAX_PASSES} passes`);
  });

  it('llava: lists each pass up to the cap', () => {
    const body = renderExport(small, 'llava', { budget: 2 * 10 * LLAVA_MAX_PASSES }).body;
    expect(body.match(/json_path: "tiny"\n {4}sampling_strategy: "all"/g)).toHaveLength(LLAVA_MAX_PASSES);
  });

  it('every format: output stays small at the largest budget', () => {
    const wide = storedMixture([
      { name: 'a', weight: 0.5, samples: 1e13 },
      { name: 'b', weight: 0.5, samples: 1e13 },
    ]);
    for (const format of EXPORT_FORMATS) {
      expect(renderExport(wide, format, { budget: MAX_BUDGET }).body.length).toBeLessThan(10_000);
    }
  });

  it('tokens budget: names only the missing count', () => {
    const noTokens = storedMixture([
      { name: 'a', weight: 0.5, samples: 10 },
      { name: 'b', weight: 0.5, tokens: 100 },
    ]);
    const warnings = planMixture(noTokens, { budget: 100, unit: 'tokens' }).warnings.join('\n');
    expect(warnings).toContain('Domains "a" have no token count');
    expect(warnings).toContain('Domains "b" have no sample count');
    expect(warnings).not.toContain('no token and sample counts');
  });
});

describe('exports: budget, warnings and digits', () => {
  it('csv: implied tokens and missing-count warning', () => {
    const stored = storedMixture([
      { name: 'a', weight: 0.5, samples: 10 },
      { name: 'b', weight: 0.5, samples: 20, tokens: 400 },
    ]);
    const rows = readCsv(renderExport(stored, 'csv', { budget: 1000, unit: 'tokens' }).body);
    const column = (name: string) => CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number]);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    expect(rows[1][column('implied_tokens')]).toBe('500');
    expect(rows[2][column('implied_tokens')]).toBe('500');
    expect(rows[1][column('warning')]).toContain('no token count');
    expect(rows[2][column('warning')]).toBe('');
    expect(rows[1][column('result_id')]).toBe(stored.id);
  });

  it('csv: implied tokens empty for samples', () => {
    const stored = storedMixture([{ name: 'a', weight: 1, samples: 10 }]);
    const rows = readCsv(renderExport(stored, 'csv', { budget: 10 }).body);
    expect(rows[1][CSV_COLUMNS.indexOf('implied_tokens')]).toBe('');
  });

  it('json: missing-count warning listed once', () => {
    const stored = storedMixture([
      { name: 'a', weight: 0.5, samples: 10 },
      { name: 'b', weight: 0.5, samples: 20, tokens: 400 },
    ]);
    const body = JSON.parse(renderExport(stored, 'json', { budget: 1000, unit: 'tokens' }).body) as { warnings: string[] };
    expect(body.warnings.filter((w) => w.includes('"a"'))).toHaveLength(1);
  });

  it('budget: below 1 is rejected', () => {
    const stored = storedMixture([{ name: 'a', weight: 1, samples: 10 }]);
    for (const budget of [0.5, 0.999]) {
      const error = (() => {
        try {
          planMixture(stored, { budget });
        } catch (err) {
          return err as MadmixError;
        }
        return undefined;
      })();
      expect(error?.code).toBe('invalid_parameter');
      expect(error?.details?.field).toBe('budget');
      expect(error?.message).toContain(String(budget));
      expect(error?.message).toContain(`at least 1 and at most ${MAX_BUDGET}`);
    }
    expect(planMixture(stored, { budget: 1 }).domains[0].impliedSamples).toBe(1);
  });

  it('every format: prints stored weight digits', () => {
    // Weights that do not sum to exactly 1 in float64, so renormalizing would change the last digit.
    const stored = storedMixture([
      { name: 'a', weight: 0.4443626162835513, samples: 100 },
      { name: 'b', weight: 0.3333333333333333, samples: 100 },
      { name: 'c', weight: 0.2223040503831153, samples: 100 },
    ]);
    for (const format of ['json', 'csv', 'megatron', 'hf', 'datajuicer'] as const) {
      const body = renderExport(stored, format, {}).body;
      expect(body, format).toContain('0.4443626162835513');
      expect(body, format).toContain('0.2223040503831153');
    }
    expect(renderExport(stored, 'energon', {}).body).toContain('weight: 0.4443626162835513');
  });
});
