/**
 * Quoting for the text formats the exports write. Domain and dataset names are
 * user strings, so every name goes through one of these before it lands in a file.
 */

// Characters that JSON.stringify leaves alone but YAML 1.1 (PyYAML) reads as
// line breaks or rejects as non-printable, and that Python source would show
// confusingly: C1 controls, DEL, U+2028/U+2029, BOM, U+FFFE/U+FFFF, lone surrogates.
const UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const hex4 = (ch: string): string => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * Quotes `text` as a double-quoted string that YAML (1.1 and 1.2) and Python
 * both read back as `text`. JSON escapes are a subset of both languages' escapes.
 */
export function quoteString(text: string): string {
  return JSON.stringify(text).replace(UNSAFE, hex4);
}

/**
 * Makes `text` safe inside a `#` comment line of YAML, Python, shell or CSV:
 * every control or line-break character becomes a `\uXXXX` escape.
 */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f]/g, hex4).replace(UNSAFE, hex4);
}

/**
 * Quotes a CSV field (RFC 4180). A field that starts with `=`, `+`, `-`, `@`,
 * tab or CR gets a leading `'` so spreadsheets do not run it as a formula.
 */
export function csvField(text: string): string {
  const guarded = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]|^\s|\s$/.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

/** Quotes `text` as one POSIX shell word; plain words stay unquoted. */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_./:@%+=,-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * Formats a number so that YAML 1.1 reads it as a float or int: PyYAML needs a
 * dot in the mantissa and a sign in the exponent (`1.0e-07`, not `1e-7`).
 */
export function yamlNumber(value: number): string {
  const text = String(value);
  const match = /^(-?\d+)(\.\d+)?e([+-]?)(\d+)$/.exec(text);
  if (!match) return text;
  return `${match[1]}${match[2] ?? '.0'}e${match[3] || '+'}${match[4]}`;
}
