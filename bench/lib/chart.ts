/**
 * A dependency-free SVG line chart: several panels side by side, each with a log-scale x axis
 * (corpus size) and a linear y axis from zero, one polyline with dots per series.
 */
export interface ChartSeries {
  label: string;
  /** [x, y] points; NaN y values are skipped. */
  points: [number, number][];
}

export interface ChartPanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const PANEL_W = 420;
const PANEL_H = 300;
const M = { left: 62, right: 16, top: 36, bottom: 74 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** 1, 2, 5 × 10^n steps giving about five ticks from 0 to `max`. */
function niceTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 0.5; v += step) ticks.push(Number(v.toPrecision(6)));
  if ((ticks[ticks.length - 1] ?? 0) < max) ticks.push((ticks[ticks.length - 1] ?? 0) + step);
  return ticks;
}

function formatTick(v: number): string {
  if (v >= 1000) return `${Number((v / 1000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

function renderPanel(panel: ChartPanel, offsetX: number): string {
  const w = PANEL_W - M.left - M.right;
  const h = PANEL_H - M.top - M.bottom;
  const points = panel.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  const xs = [...new Set(points.map(([x]) => x))].sort((a, b) => a - b);
  const lx = (x: number): number => Math.log10(Math.max(1, x));
  const xMin = lx(xs[0] ?? 1);
  const xMax = lx(xs[xs.length - 1] ?? 10);
  const span = xMax - xMin || 1;
  const px = (x: number): number => M.left + (xs.length < 2 ? w / 2 : ((lx(x) - xMin) / span) * w);
  const yTicks = niceTicks(Math.max(0, ...points.map(([, y]) => y)));
  const yTop = yTicks[yTicks.length - 1] ?? 1;
  const py = (y: number): number => Math.round((M.top + h - (y / yTop) * h) * 10) / 10;
  const out: string[] = [`<g transform="translate(${offsetX},0)">`];
  out.push(`<text x="${M.left + w / 2}" y="20" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${M.left}" x2="${M.left + w}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${formatTick(t)}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${M.top + h}" y2="${M.top + h + 5}" stroke="#333"/>`);
    out.push(`<text x="${px(x)}" y="${M.top + h + 18}" text-anchor="middle">${formatTick(x)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + w / 2}" y="${M.top + h + 36}" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`);
  out.push(`<text transform="translate(16,${M.top + h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(panel.yLabel)}</text>`);
  panel.series.forEach((series, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const pts = series.points.filter(([, y]) => Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    if (pts.length > 1) out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${color}"><title>${escapeXml(`${series.label}: ${formatTick(y)} at ${formatTick(x)}`)}</title></circle>`);
    const ly = M.top + h + 52 + Math.floor(i / 2) * 14;
    const lxPos = M.left + (i % 2) * (w / 2);
    out.push(`<line x1="${lxPos}" x2="${lxPos + 18}" y1="${ly - 4}" y2="${ly - 4}" stroke="${color}" stroke-width="2"/>`);
    out.push(`<text x="${lxPos + 22}" y="${ly}">${escapeXml(series.label)}</text>`);
  });
  out.push('</g>');
  return out.join('\n');
}

/** The whole chart as an SVG document; `caption` goes under the panels. */
export function renderLineChart(panels: readonly ChartPanel[], caption: string): string {
  const width = PANEL_W * panels.length;
  const height = PANEL_H + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels.map((p, i) => renderPanel(p, i * PANEL_W)),
    `<text x="8" y="${height - 8}" fill="#555">${escapeXml(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
