/**
 * Small SVG plots for the fleet's HTML report, written as strings with no library and no script:
 * grouped horizontal bars, horizontal box plots (min, quartiles, median, max, and the points),
 * and empirical CDFs as step lines. Every drawn datum is an element of class `mark` with a
 * `<title>` giving its exact value (the browser shows it on hover), so a test can count them.
 */

export interface Series {
  name: string;
  /** One value per category (bars) or any number of samples (CDF). */
  values: readonly number[];
}

export interface BarChartSpec {
  categories: readonly string[];
  series: readonly Series[];
  /** Unit of the axis, shown under it. */
  unit: string;
}

export interface BoxRow {
  label: string;
  values: readonly number[];
}

export interface PlotLimits {
  /** Points drawn per box row at most (every value still counts in the box). */
  maxPointsPerRow: number;
}

const LIMITS: PlotLimits = { maxPointsPerRow: 400 };
const WIDTH = 760;
const LEFT = 180;
const RIGHT = 30;
const TOP = 10;
const AXIS = 42;
export const PALETTE = ['#2f6db5', '#e07b29', '#3a9b53', '#c23b3b', '#7b57b2', '#8a6d3b', '#d462a6', '#5f6b73'] as const;

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A number for a label: at most 3 significant decimals, no exponent for ordinary sizes. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return String(Math.round(x));
  return String(Number(x.toPrecision(3)));
}

/** Round tick values covering [0 or min, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min, min + 1];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toFixed(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(ticks[ticks.length - 1]! + step);
  return ticks;
}

/** Largest finite value and 0 (spreading a big array into Math.max can overflow the stack). */
function maxOf(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && v > m) m = v;
  return m;
}

function minOf(values: readonly number[]): number {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && v < m) m = v;
  return m;
}

interface Scale {
  x(v: number): number;
  ticks: number[];
}

function linear(min: number, max: number): Scale {
  const ticks = niceTicks(min, max);
  const lo = ticks[0]!;
  const hi = ticks[ticks.length - 1]!;
  const span = hi - lo || 1;
  return { ticks, x: (v) => LEFT + ((v - lo) / span) * (WIDTH - LEFT - RIGHT) };
}

function axis(s: Scale, y: number, unit: string): string {
  const parts = s.ticks.map((t) => {
    const x = s.x(t).toFixed(1);
    return `<line class="grid" x1="${x}" x2="${x}" y1="${TOP}" y2="${y}"/><text class="tick" x="${x}" y="${y + 14}" text-anchor="middle">${fmt(t)}</text>`;
  });
  return `${parts.join('')}<line class="axis" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}"/><text class="unit" x="${(LEFT + WIDTH - RIGHT) / 2}" y="${y + 32}" text-anchor="middle">${esc(unit)}</text>`;
}

function svg(height: number, body: string, label: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(label)}">${body}</svg>`;
}

function legend(series: readonly Series[]): string {
  return `<p class="legend">${series.map((s, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(s.name)}</span>`).join(' ')}</p>`;
}

/** Grouped horizontal bars: one group per category, one bar per series. */
export function barChart(spec: BarChartSpec): string {
  const n = Math.max(1, spec.series.length);
  const barH = n === 1 ? 18 : 12;
  const groupH = n * barH + 12;
  const plotH = spec.categories.length * groupH;
  const s = linear(0, maxOf(spec.series.flatMap((x) => x.values)) || 1);
  const marks: string[] = [];
  spec.categories.forEach((cat, ci) => {
    const y0 = TOP + ci * groupH + 6;
    marks.push(`<text class="cat" x="${LEFT - 8}" y="${(y0 + (n * barH) / 2 + 4).toFixed(1)}" text-anchor="end">${esc(cat)}</text>`);
    spec.series.forEach((ser, si) => {
      const v = ser.values[ci];
      if (v === undefined || !Number.isFinite(v)) return;
      const y = y0 + si * barH;
      const w = Math.max(0, s.x(v) - LEFT);
      marks.push(`<rect class="mark" x="${LEFT}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(`${cat}, ${ser.name}: ${fmt(v)} ${spec.unit}`)}</title></rect>`);
      marks.push(`<text class="val" x="${(LEFT + w + 4).toFixed(1)}" y="${y + barH - 4}">${fmt(v)}</text>`);
    });
  });
  const body = axis(s, TOP + plotH, spec.unit) + marks.join('');
  return svg(TOP + plotH + AXIS, body, spec.unit) + (n > 1 ? legend(spec.series) : '');
}

/** The q-quantile of sorted values (linear between neighbours). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** Horizontal box plots, one row per label: whiskers min-max, box q1-q3, median line, the points. */
export function boxPlot(rows: readonly BoxRow[], unit: string, limits: PlotLimits = LIMITS): string {
  const rowH = 34;
  const plotH = rows.length * rowH;
  const all = rows.flatMap((r) => r.values);
  const s = linear(minOf(all), maxOf(all) || 1);
  const marks: string[] = [];
  rows.forEach((r, ri) => {
    const v = r.values.filter(Number.isFinite).sort((a, b) => a - b);
    const mid = TOP + ri * rowH + rowH / 2;
    marks.push(`<text class="cat" x="${LEFT - 8}" y="${mid + 4}" text-anchor="end">${esc(r.label)}</text>`);
    if (v.length === 0) return;
    const [min, q1, med, q3, max] = [0, 0.25, 0.5, 0.75, 1].map((q) => quantile(v, q)) as [number, number, number, number, number];
    const color = PALETTE[ri % PALETTE.length];
    const tip = esc(`${r.label}: ${v.length} devices; min ${fmt(min)}, median ${fmt(med)}, max ${fmt(max)} ${unit}`);
    marks.push(`<line class="whisker" x1="${s.x(min).toFixed(1)}" x2="${s.x(max).toFixed(1)}" y1="${mid}" y2="${mid}"/>`);
    marks.push(`<rect class="mark box" x="${s.x(q1).toFixed(1)}" y="${mid - 9}" width="${Math.max(2, s.x(q3) - s.x(q1)).toFixed(1)}" height="18" fill="${color}" fill-opacity="0.35" stroke="${color}"><title>${tip}</title></rect>`);
    marks.push(`<line class="median" x1="${s.x(med).toFixed(1)}" x2="${s.x(med).toFixed(1)}" y1="${mid - 9}" y2="${mid + 9}"/>`);
    const step = Math.max(1, Math.ceil(v.length / limits.maxPointsPerRow));
    for (let i = 0; i < v.length; i += step) {
      // A fixed spread by position (no randomness: the same report draws the same page).
      const dy = ((i * 7) % 13) - 6;
      marks.push(`<circle class="mark point" cx="${s.x(v[i]!).toFixed(1)}" cy="${mid + dy}" r="2.2" fill="${color}"><title>${fmt(v[i]!)} ${esc(unit)}</title></circle>`);
    }
    marks.push(`<text class="val" x="${(s.x(max) + 6).toFixed(1)}" y="${mid + 4}">${fmt(med)}</text>`);
  });
  return svg(TOP + plotH + AXIS, axis(s, TOP + plotH, unit) + marks.join(''), unit);
}

/** Empirical CDFs, one step line per series, with a dot per sample (at most maxPointsPerRow). */
export function cdfPlot(series: readonly Series[], unit: string, limits: PlotLimits = LIMITS): string {
  const plotH = 220;
  const s = linear(0, maxOf(series.flatMap((x) => x.values)) || 1);
  const y = (share: number): number => TOP + plotH * (1 - share);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((q) => `<line class="grid" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(q)}" y2="${y(q)}"/><text class="tick" x="${LEFT - 6}" y="${y(q) + 4}" text-anchor="end">${q * 100}%</text>`);
  const marks: string[] = [];
  series.forEach((ser, si) => {
    const v = ser.values.filter(Number.isFinite).sort((a, b) => a - b);
    if (v.length === 0) return;
    const color = PALETTE[si % PALETTE.length];
    let d = `M${s.x(v[0]!).toFixed(1)},${y(0)}`;
    v.forEach((x, i) => {
      d += `V${y((i + 1) / v.length).toFixed(1)}`;
      const next = v[i + 1];
      if (next !== undefined) d += `H${s.x(next).toFixed(1)}`;
    });
    d += `H${(WIDTH - RIGHT).toFixed(1)}`;
    marks.push(`<path class="mark line" d="${d}" fill="none" stroke="${color}" stroke-width="2"><title>${esc(`${ser.name}: ${v.length}, median ${fmt(quantile(v, 0.5))} ${unit}, longest ${fmt(v[v.length - 1]!)} ${unit}`)}</title></path>`);
    const step = Math.max(1, Math.ceil(v.length / limits.maxPointsPerRow));
    for (let i = 0; i < v.length; i += step) marks.push(`<circle class="mark point" cx="${s.x(v[i]!).toFixed(1)}" cy="${y((i + 1) / v.length).toFixed(1)}" r="2.5" fill="${color}"><title>${fmt(v[i]!)} ${esc(unit)}</title></circle>`);
  });
  const body = grid.join('') + axis(s, TOP + plotH, unit) + marks.join('');
  return svg(TOP + plotH + AXIS, body, unit) + legend(series);
}
