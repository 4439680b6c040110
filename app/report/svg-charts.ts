/**
 * Static charts as inline SVG, drawn at report time on the server: a report must render offline, in a PDF and in
 * any mail client's browser, so it cannot use the UI's canvas chart library. Numbers in, markup out.
 */

export const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface Axis {
  readonly label: string;
  readonly min: number;
  readonly max: number;
}

export interface Series {
  readonly label: string;
  readonly colour: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly dashed?: boolean;
  /** Step line (for ROC / PR staircases) instead of straight segments. */
  readonly step?: boolean;
  /** Stroke width in px (default 2). */
  readonly width?: number;
}

export interface VerticalMarker {
  readonly x: number;
  readonly label: string;
  readonly colour: string;
}

const W = 460;
const H = 280;
const M = { left: 56, right: 14, top: 26, bottom: 44 };

/** About `count` round tick values covering [min, max]. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return ticks;
}

const fmtTick = (v: number): string => {
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
};

function frame(
  title: string,
  x: Axis,
  y: Axis,
  body: string,
  legend: Array<{ label: string; colour: string; dashed?: boolean }>,
  xTick: (v: number) => number = (v) => v,
): string {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (v: number) => M.left + ((v - x.min) / (x.max - x.min || 1)) * pw;
  const sy = (v: number) => M.top + ph - ((v - y.min) / (y.max - y.min || 1)) * ph;
  const grid: string[] = [];
  const parts: string[] = [];
  for (const t of niceTicks(y.min, y.max)) {
    grid.push(`<line x1="${M.left}" x2="${M.left + pw}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#e3e6ea"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(sy(t) + 3.5).toFixed(1)}" text-anchor="end">${fmtTick(t)}</text>`);
  }
  for (const t of niceTicks(x.min, x.max)) {
    parts.push(`<line x1="${sx(t).toFixed(1)}" x2="${sx(t).toFixed(1)}" y1="${M.top + ph}" y2="${M.top + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${sx(t).toFixed(1)}" y="${M.top + ph + 16}" text-anchor="middle">${fmtTick(xTick(t))}</text>`);
  }
  // The frame goes under the series: a curve along an edge (a perfect ROC) must not be hidden by it.
  grid.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`);
  parts.push(`<text x="${M.left + pw / 2}" y="${H - 8}" text-anchor="middle" class="axis">${escapeXml(x.label)}</text>`);
  parts.push(`<text transform="translate(14 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle" class="axis">${escapeXml(y.label)}</text>`);
  parts.push(`<text x="${M.left}" y="16" class="title">${escapeXml(title)}</text>`);
  let lx = W - M.right;
  for (const l of [...legend].reverse()) {
    const w = 26 + l.label.length * 6.2;
    lx -= w;
    parts.push(
      `<line x1="${lx.toFixed(1)}" x2="${(lx + 16).toFixed(1)}" y1="12" y2="12" stroke="${l.colour}" stroke-width="2.5"${l.dashed ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${(lx + 20).toFixed(1)}" y="16">${escapeXml(l.label)}</text>`,
    );
  }
  return (
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" class="chart" role="img" aria-label="${escapeXml(title)}">` +
    `<style>text{font:11px system-ui,sans-serif;fill:#333}.title{font-weight:600;font-size:12px}.axis{fill:#555}</style>` +
    grid.join('') +
    `<g>${body}</g>` +
    parts.join('') +
    `</svg>`
  );
}

/** Line chart of one or more series over shared axes. */
export function lineChart(options: { title: string; x: Axis; y: Axis; series: readonly Series[]; markers?: readonly VerticalMarker[] }): string {
  const { x, y } = options;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (v: number) => (M.left + ((v - x.min) / (x.max - x.min || 1)) * pw).toFixed(1);
  const sy = (v: number) => (M.top + ph - ((Math.min(y.max, Math.max(y.min, v)) - y.min) / (y.max - y.min || 1)) * ph).toFixed(1);
  const body: string[] = [];
  for (const m of options.markers ?? []) {
    body.push(`<line x1="${sx(m.x)}" x2="${sx(m.x)}" y1="${M.top}" y2="${M.top + ph}" stroke="${m.colour}" stroke-dasharray="5 3"/>`);
  }
  for (const s of options.series) {
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (pts.length === 0) continue;
    let d = `M${sx(pts[0]![0])},${sy(pts[0]![1])}`;
    for (let i = 1; i < pts.length; i++) {
      if (s.step) d += `H${sx(pts[i]![0])}V${sy(pts[i]![1])}`;
      else d += `L${sx(pts[i]![0])},${sy(pts[i]![1])}`;
    }
    body.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${s.width ?? 2}"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    if (pts.length === 1) body.push(`<circle cx="${sx(pts[0]![0])}" cy="${sy(pts[0]![1])}" r="3" fill="${s.colour}"/>`);
  }
  return frame(options.title, x, y, body.join(''), options.series.map((s) => ({ label: s.label, colour: s.colour, dashed: s.dashed })));
}

export interface HistogramSeries {
  readonly label: string;
  readonly colour: string;
  readonly counts: readonly number[];
}

/**
 * Score histogram: bins over [min, max] with series stacked per bin, the accept / review / reject bands shaded
 * behind and their thresholds drawn as lines.
 */
export function histogramChart(options: {
  title: string;
  xLabel: string;
  min: number;
  max: number;
  series: readonly HistogramSeries[];
  bands?: { review: number; reject: number };
  /** Maps an axis position to the value its tick shows (log axes). */
  xTick?: (v: number) => number;
}): string {
  const xTick = options.xTick ?? ((v: number) => v);
  const bins = options.series[0]?.counts.length ?? 0;
  const totals = Array.from({ length: bins }, (_, b) => options.series.reduce((s, ser) => s + (ser.counts[b] ?? 0), 0));
  const yMax = Math.max(1, ...totals);
  const x: Axis = { label: options.xLabel, min: options.min, max: options.max };
  const y: Axis = { label: 'images', min: 0, max: yMax * 1.08 };
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (v: number) => M.left + ((Math.min(x.max, Math.max(x.min, v)) - x.min) / (x.max - x.min || 1)) * pw;
  const sy = (v: number) => M.top + ph - (v / y.max) * ph;
  const body: string[] = [];
  if (options.bands) {
    const { review, reject } = options.bands;
    const shade = (a: number, b: number, fill: string) =>
      b > a ? `<rect x="${sx(a).toFixed(1)}" y="${M.top}" width="${(sx(b) - sx(a)).toFixed(1)}" height="${ph}" fill="${fill}"/>` : '';
    body.push(shade(x.min, review, '#e8f5e9'), shade(review, reject, '#fff8e1'), shade(reject, x.max, '#fdecea'));
  }
  const bw = (x.max - x.min) / Math.max(1, bins);
  for (let b = 0; b < bins; b++) {
    let base = 0;
    for (const s of options.series) {
      const c = s.counts[b] ?? 0;
      if (c <= 0) continue;
      const x0 = sx(x.min + b * bw);
      const x1 = sx(x.min + (b + 1) * bw);
      body.push(
        `<rect x="${(x0 + 0.5).toFixed(1)}" y="${sy(base + c).toFixed(1)}" width="${Math.max(0.5, x1 - x0 - 1).toFixed(1)}" height="${(sy(base) - sy(base + c)).toFixed(1)}" fill="${s.colour}"/>`,
      );
      base += c;
    }
  }
  const legend = options.series.map((s) => ({ label: s.label, colour: s.colour }));
  if (options.bands) {
    const lines: Array<readonly [number, string, string]> =
      options.bands.review === options.bands.reject
        ? [[options.bands.reject, 'reject ≥', '#c62828']]
        : [
            [options.bands.review, 'review ≥', '#b26a00'],
            [options.bands.reject, 'reject ≥', '#c62828'],
          ];
    for (const [i, [v, label, colour]] of lines.entries()) {
      body.push(`<line x1="${sx(v).toFixed(1)}" x2="${sx(v).toFixed(1)}" y1="${M.top}" y2="${M.top + ph}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="5 3"/>`);
      body.push(`<text x="${(sx(v) + 3).toFixed(1)}" y="${M.top + 11 + 12 * i}" fill="${colour}" style="fill:${colour}">${escapeXml(`${label} ${fmtTick(xTick(v))}`)}</text>`);
    }
  }
  return frame(options.title, x, y, body.join(''), legend, xTick);
}

/** Equal-width bin counts of `values` over [min, max] (values outside land in the end bins). */
export function binCounts(values: readonly number[], min: number, max: number, bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  const w = (max - min) / bins || 1;
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor((v - min) / w)))]!++;
  return counts;
}
