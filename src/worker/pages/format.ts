/** Number and label formatting shared by the pages. */
import type { MethodName } from '../../core/methods/types.js';

const METHOD_LABELS: Record<MethodName, string> = {
  madmix: 'MaD-Mix',
  avg: 'MaD-Mix, averaged over modalities',
  modality: 'MaD-Mix, one modality',
  chameleon: 'Chameleon',
  uniform: 'Uniform',
  proportional: 'Size-proportional',
  temperature: 'Temperature sampling',
  unimax: 'UniMax',
  manual: 'Manual',
};

export const methodLabel = (method: string): string => METHOD_LABELS[method as MethodName] ?? method;

/** Formats a share as a percentage with enough digits to tell small weights apart. */
export function percent(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0%';
  const pct = value * 100;
  if (Math.abs(pct) < 0.01) return `${pct.toPrecision(2)}%`;
  return `${pct.toFixed(pct >= 10 ? 1 : 2)}%`;
}

/** Formats a number with `digits` significant digits, dropping trailing zeros. */
export function num(value: number | undefined | null, digits = 4): string {
  if (value === undefined || value === null) return '';
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return value.toLocaleString('en-US');
  const text = Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? String(Number(value.toPrecision(digits))) : value.toExponential(digits - 1);
  return text;
}

/** Shortens a label for a chart axis; the full name goes in the element's `<title>`. */
export function shorten(text: string, max = 30): string {
  const chars = [...text.replace(/\s+/g, ' ')];
  return chars.length <= max ? chars.join('') : chars.slice(0, max - 1).join('') + '…';
}

/** Formats method parameters as `lambda=10, temperature=1`. */
export function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/** Colors for series and lines, readable on white and distinct in grayscale order. */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
