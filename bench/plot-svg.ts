/**
 * A dependency-free horizontal bar chart as SVG, so `sluice bench --plot FILE` draws its
 * results anywhere a browser or image viewer runs.
 */

export interface Bar {
  label: string;
  value: number;
  /** Optional group, drawn as the bar's colour. */
  group?: string;
}

export interface BarChartOptions {
  title: string;
  /** Axis caption, e.g. "speedup vs plain JS (×)". */
  unit: string;
  /** Draws a dashed reference line at this value (e.g. 1× or a target). */
  reference?: number;
}

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1"];

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

export function barChartSvg(bars: readonly Bar[], opts: BarChartOptions): string {
  const rowH = 22, labelW = 330, plotW = 460, top = 48, left = 10;
  const height = top + bars.length * rowH + 40;
  const max = Math.max(opts.reference ?? 0, ...bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)), 1e-9);
  const x = (v: number) => left + labelW + (Math.max(0, v) / max) * plotW;
  const groups = [...new Set(bars.map((b) => b.group ?? ""))];
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${left + labelW + plotW + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="15" font-weight="bold">${esc(opts.title)}</text>`,
    `<text x="${left + labelW}" y="38" fill="#555">${esc(opts.unit)}</text>`,
  ];
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const colour = PALETTE[groups.indexOf(b.group ?? "") % PALETTE.length]!;
    out.push(`<text x="${left + labelW - 6}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>`);
    out.push(`<rect x="${x(0)}" y="${y + 3}" width="${Math.max(1, x(b.value) - x(0))}" height="${rowH - 6}" fill="${colour}"/>`);
    out.push(`<text x="${x(b.value) + 4}" y="${y + 15}">${Number.isFinite(b.value) ? b.value.toFixed(2) : "n/a"}</text>`);
  });
  if (opts.reference !== undefined) {
    const rx = x(opts.reference);
    out.push(`<line x1="${rx}" y1="${top - 4}" x2="${rx}" y2="${top + bars.length * rowH}" stroke="#333" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${rx + 3}" y="${top + bars.length * rowH + 14}" fill="#333">${opts.reference}</text>`);
  }
  groups.forEach((g, i) => {
    if (!g) return;
    const y = height - 14;
    out.push(`<rect x="${left + i * 110}" y="${y - 10}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>`);
    out.push(`<text x="${left + i * 110 + 16}" y="${y}">${esc(g)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
