// Small charts drawn on the server as SVG text: no script reaches the browser,
// they print, and they scale to a phone's width (viewBox, width 100%). Every
// chart states its numbers in text too, so nothing is only a colour or a length.

const esc = (s: string | number) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Colours that stay apart in greyscale print and for common colour blindness. */
export const palette = ['#1f6fb2', '#e07b1f', '#2e9d5b', '#8e44ad', '#c0392b', '#7f8c8d'] as const;

export interface Bar {
  label: string;
  value: number;
  color?: string;
}

function svg(width: number, height: number, label: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${esc(label)}" class="chart"><title>${esc(label)}</title>${body}</svg>`;
}

/** Horizontal bars, one a row, the value at the end of each bar. */
export function barChart(opts: { title: string; bars: Bar[]; width?: number }): string {
  const width = opts.width ?? 480;
  const row = 26;
  const labelW = Math.min(170, Math.max(60, ...opts.bars.map((b) => [...b.label].length * 13 + 8)));
  const valueW = 48;
  const plotW = width - labelW - valueW;
  const max = Math.max(1, ...opts.bars.map((b) => b.value));
  const height = Math.max(row, opts.bars.length * row) + 4;
  const body = opts.bars
    .map((b, i) => {
      const y = i * row + 2;
      const w = b.value > 0 ? Math.max(2, (b.value / max) * plotW) : 0;
      const color = b.color ?? palette[i % palette.length]!;
      return (
        `<text x="${labelW - 6}" y="${y + 16}" text-anchor="end" font-size="13" fill="#222">${esc(b.label)}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${fmt(w)}" height="${row - 8}" rx="2" fill="${color}"><title>${esc(b.label)}: ${esc(b.value)}</title></rect>` +
        `<text x="${fmt(labelW + w + 4)}" y="${y + 16}" font-size="13" fill="#222" data-value="${esc(b.value)}">${esc(fmt(b.value))}</text>`
      );
    })
    .join('');
  return svg(width, height, opts.title, body);
}

/** One bar split in parts (e.g. posts filled vs open), with a legend under it. */
export function stackedBar(opts: { title: string; parts: Bar[]; width?: number }): string {
  const width = opts.width ?? 480;
  const total = opts.parts.reduce((s, p) => s + Math.max(0, p.value), 0);
  let x = 0;
  const bar = opts.parts
    .map((p, i) => {
      const w = total > 0 ? (Math.max(0, p.value) / total) * width : 0;
      const color = p.color ?? palette[i % palette.length]!;
      const out = `<rect x="${fmt(x)}" y="0" width="${fmt(w)}" height="28" fill="${color}"><title>${esc(p.label)}: ${esc(p.value)}</title></rect>`;
      x += w;
      return out;
    })
    .join('');
  const empty = total === 0 ? `<rect x="0" y="0" width="${width}" height="28" fill="#eee"/>` : '';
  const legend = opts.parts
    .map((p, i) => {
      const lx = (i * width) / Math.max(1, opts.parts.length);
      const color = p.color ?? palette[i % palette.length]!;
      return `<rect x="${fmt(lx)}" y="40" width="12" height="12" fill="${color}"/><text x="${fmt(lx + 17)}" y="51" font-size="13" fill="#222" data-value="${esc(p.value)}">${esc(p.label)} ${esc(fmt(p.value))}</text>`;
    })
    .join('');
  return svg(width, 60, opts.title, empty + bar + legend);
}

/** Columns per period for two or more series side by side (e.g. placements started and ended per month). */
export function columnChart(opts: {
  title: string;
  labels: string[];
  series: Array<{ name: string; values: number[]; color?: string }>;
  width?: number;
}): string {
  const width = opts.width ?? 640;
  const height = 220;
  const top = 26;
  const bottom = 40;
  const left = 34;
  const plotH = height - top - bottom;
  const plotW = width - left - 6;
  const max = Math.max(1, ...opts.series.flatMap((s) => s.values));
  // A round top for the axis: 1, 2, 5 × 10^k.
  const step = Math.max(1, [1, 2, 5].map((m) => m * 10 ** Math.floor(Math.log10(max))).find((s) => s * 4 >= max) ?? 10 ** Math.ceil(Math.log10(max)));
  // Counts: whole-number ticks only (4 ticks of 1 when the largest is 4 or less).
  const top4 = Math.max(step * Math.ceil(max / step), 4);
  const groupW = plotW / Math.max(1, opts.labels.length);
  const colW = Math.max(2, (groupW - 6) / Math.max(1, opts.series.length));
  let body = '';
  for (let k = 0; k <= 4; k++) {
    const v = (top4 * k) / 4;
    const y = top + plotH - (v / top4) * plotH;
    body += `<line x1="${left}" x2="${width - 6}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="#ddd"/><text x="${left - 4}" y="${fmt(y + 4)}" text-anchor="end" font-size="11" fill="#555">${esc(fmt(v))}</text>`;
  }
  opts.labels.forEach((label, i) => {
    const gx = left + i * groupW + 3;
    opts.series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const h = (v / top4) * plotH;
      const color = s.color ?? palette[j % palette.length]!;
      body += `<rect x="${fmt(gx + j * colW)}" y="${fmt(top + plotH - h)}" width="${fmt(colW - 1)}" height="${fmt(h)}" fill="${color}"><title>${esc(label)} ${esc(s.name)}: ${esc(v)}</title></rect>`;
    });
    body += `<text x="${fmt(gx + groupW / 2 - 3)}" y="${height - bottom + 14}" text-anchor="middle" font-size="11" fill="#333">${esc(label)}</text>`;
  });
  const legend = opts.series
    .map((s, j) => {
      const color = s.color ?? palette[j % palette.length]!;
      const lx = left + j * 120;
      return `<rect x="${lx}" y="6" width="12" height="12" fill="${color}"/><text x="${lx + 17}" y="17" font-size="12" fill="#222">${esc(s.name)}</text>`;
    })
    .join('');
  return svg(width, height, opts.title, body + legend);
}
