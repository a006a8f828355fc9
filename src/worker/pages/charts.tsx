/**
 * Server-rendered SVG charts. Every label is a JSX text node or attribute, so
 * hono/jsx escapes it; names are never spliced into markup by hand.
 */
import type { RegularizationPath } from '../../core/methods/types.js';
import { num, PALETTE, percent, shorten } from './format.js';

const WIDTH = 760;
/** Rounds a coordinate to 0.1 px to keep the markup small. */
const r1 = (v: number): number => Math.round(v * 10) / 10;
const LABEL_WIDTH = 230;
const ROW = 22;

/** Horizontal bar chart of one weight per domain, every domain labeled. */
export function WeightBars(props: { domains: string[]; weights: Record<string, number>; title: string }) {
  const max = Math.max(...props.domains.map((d) => props.weights[d] ?? 0), 1e-12);
  const barSpace = WIDTH - LABEL_WIDTH - 70;
  const height = props.domains.length * ROW + 8;
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {props.domains.map((name, i) => {
        const w = props.weights[name] ?? 0;
        const y = 4 + i * ROW;
        return (
          <g class="bar-row" data-domain={name}>
            <title>{`${name}: ${percent(w)}`}</title>
            <text x={LABEL_WIDTH - 8} y={y + 15} text-anchor="end" class="label">{shorten(name)}</text>
            <rect x={LABEL_WIDTH} y={y + 3} width={r1(Math.max((w / max) * barSpace, w > 0 ? 1 : 0))} height={ROW - 6} fill={PALETTE[0]} />
            <text x={r1(LABEL_WIDTH + (w / max) * barSpace + 6)} y={y + 15} class="value">{percent(w)}</text>
          </g>
        );
      })}
    </svg>
  );
}

/**
 * Grouped horizontal bars: one group per domain, one bar per compared result.
 * Drawn narrower than the other charts because it sits beside the table.
 */
export function GroupedBars(props: { domains: string[]; series: { label: string; weights: Record<string, number> }[]; title: string }) {
  const width = 480;
  const labelWidth = 150;
  const n = props.series.length;
  const bar = 8;
  const group = n * bar + 10;
  const max = Math.max(...props.series.flatMap((s) => props.domains.map((d) => s.weights[d] ?? 0)), 1e-12);
  const barSpace = width - labelWidth - 20;
  const legend = 18 * n + 6;
  const height = legend + props.domains.length * group + 8;
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={props.title}>
      <title>{props.title}</title>
      {props.series.map((s, j) => (
        <g class="legend">
          <rect x="10" y={4 + j * 18} width="12" height="12" fill={PALETTE[j % PALETTE.length]} />
          <text x="28" y={15 + j * 18} class="label">{shorten(s.label, 60)}</text>
        </g>
      ))}
      {props.domains.map((name, i) => {
        const y = legend + 4 + i * group;
        return (
          <g class="bar-group" data-domain={name}>
            <title>{`${name}: ${props.series.map((s) => `${s.label} ${percent(s.weights[name] ?? 0)}`).join('; ')}`}</title>
            <text x={labelWidth - 8} y={y + (n * bar) / 2 + 4} text-anchor="end" class="label">{shorten(name, 20)}</text>
            {props.series.map((s, j) => {
              const w = s.weights[name] ?? 0;
              return <rect x={labelWidth} y={y + j * bar} width={r1(Math.max((w / max) * barSpace, w > 0 ? 1 : 0))} height={bar - 1} fill={PALETTE[j % PALETTE.length]} />;
            })}
          </g>
        );
      })}
    </svg>
  );
}

interface Axis {
  min: number;
  max: number;
  ticks: number[];
}

/** Decades covering the positive `values`, for a log axis. */
function logAxis(values: number[]): Axis {
  const logs = values.filter((v) => v > 0 && Number.isFinite(v)).map(Math.log10);
  const min = Math.floor(Math.min(...logs));
  const max = Math.max(Math.ceil(Math.max(...logs)), min + 1);
  const step = Math.max(1, Math.ceil((max - min) / 8));
  const ticks: number[] = [];
  for (let t = min; t <= max; t += step) ticks.push(t);
  return { min, max, ticks };
}

const PLOT = { left: 70, right: 20, top: 14, bottom: 40, height: 260 };

/** Eigenvalue spectrum of the kernel, descending, on a log y axis. */
export function SpectrumChart(props: { spectrum: number[] }) {
  const values = props.spectrum.filter((v) => v > 0 && Number.isFinite(v));
  if (values.length === 0) return <p>The spectrum has no positive eigenvalues to plot.</p>;
  const axis = logAxis(values);
  const w = WIDTH - PLOT.left - PLOT.right;
  const h = PLOT.height - PLOT.top - PLOT.bottom;
  const x = (i: number) => PLOT.left + (values.length === 1 ? w / 2 : (i / (values.length - 1)) * w);
  const y = (v: number) => PLOT.top + h - ((Math.log10(v) - axis.min) / (axis.max - axis.min)) * h;
  const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${PLOT.height}`} width="100%" role="img" aria-label="Eigenvalue spectrum, log scale">
      <title>Eigenvalue spectrum of the kernel, log scale</title>
      {axis.ticks.map((t) => {
        const ty = r1(PLOT.top + h - ((t - axis.min) / (axis.max - axis.min)) * h);
        return (
          <g class="grid">
            <line x1={PLOT.left} x2={PLOT.left + w} y1={ty} y2={ty} />
            <text x={PLOT.left - 6} y={ty + 4} text-anchor="end" class="tick">{`1e${t}`}</text>
          </g>
        );
      })}
      <polyline points={points} fill="none" stroke={PALETTE[0]} stroke-width="1.5" />
      {values.map((v, i) => (
        <circle cx={r1(x(i))} cy={r1(y(v))} r="2.5" fill={PALETTE[0]}>
          <title>{`eigenvalue ${i + 1}: ${num(v)}`}</title>
        </circle>
      ))}
      <text x={PLOT.left + w / 2} y={PLOT.height - 8} text-anchor="middle" class="tick">{`index (1 to ${values.length}), largest first`}</text>
    </svg>
  );
}

/** Weights over a log grid of lambda, one line per domain; the top domains get colors and a legend. */
export function PathChart(props: { path: RegularizationPath; chosen?: number; highlight: string[] }) {
  const { lambdas, weights } = props.path;
  if (lambdas.length < 2) return <p>The regularization path has fewer than two points.</p>;
  const axis = logAxis(lambdas);
  const domains = Object.keys(weights);
  const yMax = Math.max(...domains.flatMap((d) => weights[d]), 1e-12);
  const w = WIDTH - PLOT.left - 190;
  const h = PLOT.height - PLOT.top - PLOT.bottom;
  const x = (lambda: number) => PLOT.left + ((Math.log10(lambda) - axis.min) / (axis.max - axis.min)) * w;
  const y = (v: number) => PLOT.top + h - (v / yMax) * h;
  const line = (d: string) => lambdas.map((l, i) => `${x(l).toFixed(1)},${y(weights[d][i] ?? 0).toFixed(1)}`).join(' ');
  const colored = props.highlight.slice(0, 8);
  const others = domains.filter((d) => !colored.includes(d));
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${PLOT.height}`} width="100%" role="img" aria-label="Regularization path: weights over log lambda">
      <title>Regularization path: domain weights over log10 lambda</title>
      {axis.ticks.map((t) => (
        <g class="grid">
          <line x1={r1(x(10 ** t))} x2={r1(x(10 ** t))} y1={PLOT.top} y2={PLOT.top + h} />
          <text x={r1(x(10 ** t))} y={PLOT.top + h + 16} text-anchor="middle" class="tick">{`1e${t}`}</text>
        </g>
      ))}
      {[0, 0.5, 1].map((f) => (
        <text x={PLOT.left - 6} y={r1(y(f * yMax) + 4)} text-anchor="end" class="tick">{percent(f * yMax)}</text>
      ))}
      {others.map((d) => (
        <polyline points={line(d)} fill="none" stroke="#c8c8c8" stroke-width="1">
          <title>{d}</title>
        </polyline>
      ))}
      {colored.map((d, j) => (
        <polyline points={line(d)} fill="none" stroke={PALETTE[j]} stroke-width="2">
          <title>{d}</title>
        </polyline>
      ))}
      {props.chosen !== undefined && props.chosen > 0 && (
        <line class="chosen" x1={r1(x(props.chosen))} x2={r1(x(props.chosen))} y1={PLOT.top} y2={PLOT.top + h} stroke="#333" stroke-dasharray="4 3" />
      )}
      {colored.map((d, j) => (
        <g class="legend">
          <rect x={PLOT.left + w + 14} y={PLOT.top + j * 18} width="12" height="3" fill={PALETTE[j]} />
          <text x={PLOT.left + w + 32} y={PLOT.top + j * 18 + 5} class="label">{shorten(d, 20)}</text>
        </g>
      ))}
      <text x={PLOT.left + w / 2} y={PLOT.height - 8} text-anchor="middle" class="tick">lambda (log scale); dashed: the lambda used</text>
    </svg>
  );
}
