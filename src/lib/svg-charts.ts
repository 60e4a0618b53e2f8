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

/**
 * Ticks for a count axis: whole numbers only, a step of 1, 2 or 5 × 10^k,
 * at most five steps up to the first tick at or above max (0..1 for nothing).
 */
export function countTicks(max: number): number[] {
  const top = Math.max(1, Math.ceil(max));
  let step = 1;
  for (let k = 0; ; k++) {
    const found = [1, 2, 5].map((m) => m * 10 ** k).find((st) => Math.ceil(top / st) <= 5);
    if (found) {
      step = found;
      break;
    }
  }
  const ticks: number[] = [];
  for (let v = 0; v < top + step; v += step) {
    ticks.push(v);
    if (v >= top) break;
  }
  return ticks;
}

/** Width of a label in px at a font size: CJK characters are square, Latin about 0.6 em. */
export function textWidth(label: string, fontSize: number): number {
  let w = 0;
  for (const ch of label) w += /[\u2E80-\uFFFF]/.test(ch) ? fontSize : fontSize * 0.62;
  return w;
}

function svg(width: number, height: number, label: string, body: string, className?: string): string {
  // max-width keeps the drawing at its own size on a desk (text stays the size
  // it was drawn at); on a narrower screen it scales down with the page.
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" style="max-width:${width}px" role="img" aria-label="${esc(label)}" class="chart${className ? ` ${className}` : ''}"><title>${esc(label)}</title>${body}</svg>`;
}

/**
 * Horizontal bars, one a row: the label on its own line above the bar (so a
 * long label in either language is never cut off), the value at the bar's end.
 */
export function barChart(opts: { title: string; bars: Bar[]; width?: number }): string {
  const width = opts.width ?? 340;
  const font = 13;
  const row = 40;
  const valueW = 8 + textWidth(String(Math.max(0, ...opts.bars.map((b) => b.value))), font);
  const plotW = width - valueW - 4;
  const max = Math.max(1, ...opts.bars.map((b) => b.value));
  const height = Math.max(row, opts.bars.length * row) + 2;
  const body = opts.bars
    .map((b, i) => {
      const y = i * row;
      const w = b.value > 0 ? Math.max(2, (b.value / max) * plotW) : 0;
      const color = b.color ?? palette[i % palette.length]!;
      return (
        `<text x="0" y="${y + 14}" font-size="${font}" fill="#222">${esc(b.label)}</text>` +
        `<rect x="0" y="${y + 19}" width="${fmt(w)}" height="16" rx="2" fill="${color}"><title>${esc(b.label)}: ${esc(b.value)}</title></rect>` +
        `<text x="${fmt(w + 5)}" y="${y + 32}" font-size="${font}" fill="#222" data-value="${esc(b.value)}">${esc(fmt(b.value))}</text>`
      );
    })
    .join('');
  return svg(width, height, opts.title, body);
}

/** One bar split in parts (e.g. posts filled vs open), with a legend under it, one part a line. */
export function stackedBar(opts: { title: string; parts: Bar[]; width?: number }): string {
  const width = opts.width ?? 300;
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
      const ly = 38 + i * 20;
      const color = p.color ?? palette[i % palette.length]!;
      return `<rect x="0" y="${ly}" width="12" height="12" fill="${color}"/><text x="17" y="${ly + 11}" font-size="13" fill="#222" data-value="${esc(p.value)}">${esc(p.label)} ${esc(fmt(p.value))}</text>`;
    })
    .join('');
  return svg(width, 40 + opts.parts.length * 20, opts.title, empty + bar + legend);
}

/**
 * Columns per period for two or more series side by side (e.g. placements
 * started and ended per month), on a count axis with whole-number ticks.
 * `labelEvery` writes every n-th period's label (a narrow drawing for phones).
 */
export function columnChart(opts: {
  title: string;
  labels: string[];
  series: Array<{ name: string; values: number[]; color?: string }>;
  width?: number;
  className?: string;
  labelEvery?: number;
}): string {
  const width = opts.width ?? 640;
  const font = width < 500 ? 12 : 11;
  const height = 220;
  const top = 26;
  const bottom = 40;
  const max = Math.max(0, ...opts.series.flatMap((s) => s.values));
  const ticks = countTicks(max);
  const axisTop = ticks[ticks.length - 1]!;
  const left = 8 + textWidth(String(axisTop), font);
  const plotH = height - top - bottom;
  const plotW = width - left - 6;
  const groupW = plotW / Math.max(1, opts.labels.length);
  const colW = Math.max(2, (groupW - 6) / Math.max(1, opts.series.length));
  const every = opts.labelEvery ?? 1;
  let body = '';
  for (const v of ticks) {
    const y = top + plotH - (v / axisTop) * plotH;
    body += `<line x1="${fmt(left)}" x2="${width - 6}" y1="${fmt(y)}" y2="${fmt(y)}" stroke="#ddd"/><text x="${fmt(left - 4)}" y="${fmt(y + 4)}" text-anchor="end" font-size="${font}" fill="#555" data-tick="${v}">${esc(String(v))}</text>`;
  }
  opts.labels.forEach((label, i) => {
    const gx = left + i * groupW + 3;
    opts.series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const h = (v / axisTop) * plotH;
      const color = s.color ?? palette[j % palette.length]!;
      body += `<rect x="${fmt(gx + j * colW)}" y="${fmt(top + plotH - h)}" width="${fmt(colW - 1)}" height="${fmt(h)}" fill="${color}"><title>${esc(label)} ${esc(s.name)}: ${esc(v)}</title></rect>`;
    });
    if (i % every === (opts.labels.length - 1) % every) {
      body += `<text x="${fmt(gx + groupW / 2 - 3)}" y="${height - bottom + 15}" text-anchor="middle" font-size="${font}" fill="#333">${esc(label)}</text>`;
    }
  });
  let lx = left;
  const legend = opts.series
    .map((s, j) => {
      const color = s.color ?? palette[j % palette.length]!;
      const out = `<rect x="${fmt(lx)}" y="6" width="12" height="12" fill="${color}"/><text x="${fmt(lx + 17)}" y="17" font-size="${Math.max(font, 12)}" fill="#222">${esc(s.name)}</text>`;
      lx += 17 + textWidth(s.name, 12) + 18;
      return out;
    })
    .join('');
  return svg(width, height, opts.title, body + legend, opts.className);
}
