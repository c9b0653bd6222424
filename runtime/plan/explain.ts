/**
 * `sluice explain`: the physical plan as a table — regions in order, the operators chained in
 * each (with the logical steps fused into them), parallelism, the backend that does the work,
 * and the columns each operator emits — plus the channels that join regions.
 */

import type { Field, Schema } from "apache-arrow";
import { formatTable, type Cell } from "../cli/table.js";
import type { PhysicalPlan } from "./physical-plan.js";

/** `name: type` for one column, with extension types and tensor shapes spelled out. */
export function describeField(f: Field): string {
  const ext = f.metadata.get("ARROW:extension:name");
  if (!ext) return `${f.name}: ${String(f.type).toLowerCase()}`;
  const meta = f.metadata.get("ARROW:extension:metadata");
  let shape = "";
  if (meta) {
    try {
      const m = JSON.parse(meta) as { shape?: number[] };
      if (Array.isArray(m.shape)) shape = `[${m.shape.join("×")}]`;
    } catch {
      // Metadata that is not JSON (an image's) is shown by name only.
    }
  }
  const inner = ext === "arrow.fixed_shape_tensor" ? `tensor<${elementOf(f)}>${shape}` : ext.replace(/^(sluice|arrow)\./, "");
  return `${f.name}: ${inner}`;
}

function elementOf(f: Field): string {
  const child = (f.type as { children?: Field[] }).children?.[0];
  return child ? String(child.type).toLowerCase().replace("float32", "f32").replace("int32", "i32").replace("uint8", "u8") : "?";
}

export function describeSchema(s: Schema): string {
  return s.fields.map(describeField).join(", ");
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** The plan as text, for the terminal. */
export function explainPlan(p: PhysicalPlan): string {
  const lines: string[] = [];
  const from = p.logical.file ? ` (${p.logical.file})` : "";
  lines.push(`pipeline ${p.logical.name}${from}: ${p.regions.length} region${p.regions.length === 1 ? "" : "s"}, batches of ${p.batchRows} rows`);
  lines.push("");
  const ckpt = p.logical.options.checkpoint;
  const rows: Cell[][] = [];
  rows.push(["—", p.source.step.name, clip(p.source.planned.detail, 72), "—", 1, clip(describeSchema(p.source.planned.output), 64)]);
  for (const [i, r] of p.regions.entries()) {
    if (i > 0 && ckpt) rows.push(["", `══ region log ${p.regions[i - 1]!.name} → ${r.name}`, "persisted Arrow IPC segments; each side checkpoints on its own", "", "", ""]);
    else if (i > 0) rows.push(["", `══ channel ${p.regions[i - 1]!.name} → ${r.name}`, `bounded: ${p.channel.maxBatches} batches / ${Math.round(p.channel.maxBytes / 2 ** 20)} MiB`, "", "", ""]);
    for (const [j, s] of r.steps.entries()) {
      const name = s.fused.length > 1 ? s.fused.join(" + ") : s.step.name;
      rows.push([j === 0 ? `${r.name} (${r.cause})` : "", name, clip(s.planned.detail, 72), s.planned.backend, s.parallelism, clip(describeSchema(s.output), 64)]);
    }
    if (r.steps.length === 0) rows.push([`${r.name} (${r.cause})`, "(source only)", "", "", "", ""]);
  }
  if (p.sink) rows.push(["", p.sink.step.name, p.sink.planned.detail, "—", 1, ""]);
  else rows.push(["", "collect", "in memory (DataFrame)", "—", 1, ""]);
  lines.push(formatTable(rows, { columns: ["region", "operator", "does", "backend", "parallel", "emits"] }));
  if (ckpt) lines.push("", `checkpoints: every ${ckpt.interval ?? "10s"} per region, ${ckpt.mode ?? "aligned"}, in ${ckpt.dir ?? "(no dir)"}; a failed region restarts alone`);
  const fusedCount = p.regions.reduce((n, r) => n + r.steps.reduce((m, s) => m + s.fused.length - 1, 0), 0);
  if (fusedCount) lines.push("", `${fusedCount} step${fusedCount === 1 ? "" : "s"} fused into the operator before ${fusedCount === 1 ? "it" : "them"} (shown as a + b)`);
  // Details clipped in the table are printed whole underneath.
  const clipped = p.regions.flatMap((r) => r.steps).filter((s) => s.planned.detail.length > 72);
  if (clipped.length) lines.push("", ...clipped.map((s) => `${s.step.name}: ${s.planned.detail}`));
  return lines.join("\n");
}
