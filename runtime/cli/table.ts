/** Plain-text tables for terminal output: right-aligned numbers, left-aligned text, a rule under the header. */

export type Cell = string | number | boolean | null | undefined;

export interface TableOptions {
  /** Column titles; the table has as many columns as titles. */
  columns: readonly string[];
  /** Digits after the point for non-integer numbers. Default 2. */
  digits?: number;
  /** Left margin. Default two spaces. */
  indent?: string;
}

function formatCell(v: Cell, digits: number): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    const abs = Math.abs(v);
    if (abs !== 0 && abs < 10 ** -digits) return v.toExponential(1);
    return v.toFixed(digits);
  }
  return String(v);
}

/** Renders rows under the given columns. */
export function formatTable(rows: readonly (readonly Cell[])[], opts: TableOptions): string {
  const digits = opts.digits ?? 2;
  const indent = opts.indent ?? "  ";
  const text = rows.map((r) => opts.columns.map((_, i) => formatCell(r[i], digits)));
  const numeric = opts.columns.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number" || r[i] == null));
  const widths = opts.columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    indent + cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(opts.columns), indent + widths.map((w) => "─".repeat(w)).join("  "), ...text.map(line)].join("\n");
}

/** Human units: 1.5 GB/s, 12.3 M/s. */
export function si(value: number, unit = ""): string {
  const steps: [number, string][] = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [f, p] of steps) if (Math.abs(value) >= f) return `${(value / f).toFixed(2)} ${p}${unit}`;
  return `${value.toFixed(2)} ${unit}`.trimEnd();
}

/** Milliseconds with a unit that keeps three significant figures. */
export function ms(value: number): string {
  // No samples (an operator that saw no batches) is "—", not "NaN s".
  if (!Number.isFinite(value)) return "—";
  if (value < 0.01) return `${(value * 1000).toFixed(2)} µs`;
  if (value < 1000) return `${value.toPrecision(3)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}
