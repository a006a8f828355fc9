import type { Rng } from './rng.js';

/** Hostile scalars: wrong types, non-finite numbers as strings, huge and tiny numbers. */
export const HOSTILE_VALUES: readonly unknown[] = [
  null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 5e-324, 2 ** 53 + 1, -(2 ** 63), 1e21,
  'NaN', 'Infinity', '-Infinity', '1e309', '', ' ', '0x10', '1_000', [], {}, [1, 'a'], { valueOf: 1 },
  '__proto__', 'constructor', 'madmix', 'l2', 'none', 'pretrain', 'tokens', 'x'.repeat(300),
];

/** Names that try to escape a key, hide text or confuse a terminal. */
export const HOSTILE_NAMES: readonly string[] = [
  '../etc/passwd', '..\\..\\windows', '%2e%2e%2f', '%2e%2e', '..', '.', '/', 'a/b', 'stats/x', 'results/../stats',
  'nul\u0000byte', 'rtl\u202etxt.exe', 'zero\u200bwidth', 'e\u0301', '\ud800', '\uffff', 'emoji 😀', ' lead', 'trail ',
  'new\nline', 'tab\tname', '<script>alert(1)</script>', '"quoted"', "'single'", '${x}', '`tick`', 'a'.repeat(5000),
  '__proto__', 'constructor', 'toString', 'CON', 'x'.repeat(256),
];

/** Path segments for ids: traversal, encodings, NUL, RTL, near-miss hex. */
export const HOSTILE_IDS: readonly string[] = [
  '..', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc', '..%2f..%2f', '%00', 'a%00b', '%E2%80%AE', '\u202e', 'A'.repeat(64),
  'g'.repeat(64), 'a'.repeat(63), 'a'.repeat(65), 'a'.repeat(31), 'a'.repeat(33), 'a'.repeat(32).toUpperCase(),
  '%20' + 'a'.repeat(62), 'stats%2f' + 'a'.repeat(64), '-1', '0', 'NaN', 'null', 'undefined', '%', '%%', '%zz', ';', '~',
];

/** JSON nested `depth` levels deep, built as text so the generator itself does not recurse. */
export function deepJson(depth: number, open = '[', close = ']'): string {
  return open.repeat(depth) + close.repeat(depth);
}

export function deepObjectJson(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Broken JSON texts: truncated, trailing commas, comments, BOM, lone surrogates, wrong top-level types. */
export function brokenJson(rng: Rng, valid: string): string {
  const cut = () => valid.slice(0, 1 + rng.int(Math.max(1, valid.length - 1)));
  const variants: (() => string)[] = [
    cut,
    () => valid.replace(/}$/, ',}'),
    () => '// comment\n' + valid,
    () => '\ufeff' + valid,
    () => valid + valid,
    () => valid.replace(/"/g, "'"),
    () => valid.replace(/:/, '::'),
    () => valid.slice(0, -1) + '\u0000',
    () => '',
    () => 'null',
    () => '[]',
    () => '"string"',
    () => '123',
    () => 'NaN',
    () => '{"a": NaN}',
    () => '{"a": Infinity}',
    () => '{"a": 1e99999}',
    () => '{"a": "\\ud800"}',
    () => '{"__proto__": {"polluted": true}}',
    () => deepJson(10_000),
    () => deepObjectJson(10_000),
    () => '{"a":' + '"' + 'x'.repeat(100_000) + '"}',
  ];
  return rng.pick(variants)();
}

export function hostileValue(rng: Rng): unknown {
  if (rng.chance(0.05)) return JSON.parse(deepJson(2000));
  if (rng.chance(0.05)) return rng.pick(HOSTILE_NAMES);
  return rng.pick(HOSTILE_VALUES);
}
