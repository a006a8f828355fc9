import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const INTRO = '# Benchmarks\n\nMeasured numbers for madmix, one section per component. Each section states its machine and command.\n';

/**
 * Replaces the body of `heading` (from the heading line to the next "## "
 * heading) in the markdown file at `path`, or appends the section, leaving
 * the other sections as they are.
 */
export function writeSection(path: string, heading: string, body: string): void {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : INTRO;
  const section = `${heading}\n\n${body.trim()}\n`;
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) {
    writeFileSync(path, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  let end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  if (end < 0) end = lines.length;
  const before = lines.slice(0, start).join('\n').trimEnd();
  const after = lines.slice(end).join('\n').trim();
  writeFileSync(path, `${before}\n\n${section}${after ? `\n${after}\n` : ''}`);
}

/** Formats rows as a markdown table. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
