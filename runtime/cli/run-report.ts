/**
 * What `sluice run` and `sluice demo` print: a one-line live progress (rows/s per operator,
 * how full each channel between regions is and how long producers waited on it — the
 * backpressure), and after the run a summary table per operator.
 */

import type { PhysicalPlan } from "../plan/physical-plan.js";
import type { RunProgress, RunResult } from "../plan/run-plan.js";
import { quantile } from "../api/quantile.js";
import { formatTable, ms } from "./table.js";

/** The q-quantile of an unsorted sample (batch latencies). */
export function sampleQuantile(xs: readonly number[], q: number): number {
  return quantile([...xs].sort((a, b) => a - b), q);
}

/** One line: `read 1200 │ preprocess 1180 (95/s) │ ═ 4/4 waited 2.1 s ═ │ infer 1100 (90/s) │ dead 3`. */
export function progressLine(p: RunProgress, regionOrder: readonly string[]): string {
  const secs = Math.max(p.elapsedMs / 1000, 1e-3);
  const parts = [`read ${p.sourceRows}`];
  for (const [i, region] of regionOrder.entries()) {
    if (i > 0) {
      const c = p.channels[i - 1];
      if (c) parts.push(`═ ${c.stats.queuedBatches} queued${c.stats.blockedMs > 50 ? `, waited ${ms(c.stats.blockedMs)}` : ""} ═`);
    }
    for (const s of p.steps.filter((x) => x.region === region)) parts.push(`${s.step} ${s.metrics.rowsIn} (${(s.metrics.rowsIn / secs).toFixed(0)}/s)`);
  }
  parts.push(`dead-lettered ${p.deadLettered}`);
  return parts.join(" │ ");
}

/** Writes progress to stderr: rewritten in place on a terminal, a line per second otherwise. */
export function progressPrinter(plan: PhysicalPlan): { update(p: RunProgress): void; done(): void } {
  const tty = process.stderr.isTTY === true;
  const order = plan.regions.map((r) => r.name);
  let lastLine = 0;
  return {
    update(p) {
      const line = progressLine(p, order);
      if (tty) process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 200) - 1)}`);
      else if (p.elapsedMs - lastLine >= 1000) {
        lastLine = p.elapsedMs;
        process.stderr.write(`${(p.elapsedMs / 1000).toFixed(1)}s ${line}\n`);
      }
    },
    done() {
      if (tty) process.stderr.write("\r\x1b[2K");
    },
  };
}

/** The per-operator summary table plus totals. */
export function summaryTable(plan: PhysicalPlan, r: RunResult): string {
  const wallS = Math.max(r.wallMs / 1000, 1e-3);
  const fusedOf = new Map(plan.regions.flatMap((reg) => reg.steps.map((s) => [s.step.name, s] as const)));
  const rows = r.steps.map(({ step, region, metrics: m }) => {
    const s = fusedOf.get(step);
    const name = s && s.fused.length > 1 ? s.fused.join("+") : step;
    const out = s ? m.rowsOut : m.rowsIn;
    return [name, region, m.rowsIn, out, m.deadLettered, m.rowsIn / wallS, ms(sampleQuantile(m.latencies, 0.5)), ms(sampleQuantile(m.latencies, 0.99)), m.backend ?? s?.planned.backend ?? "—"];
  });
  const lines = [formatTable(rows, { columns: ["operator", "region", "rows in", "rows out", "dead-lettered", "rows/s", "p50 batch", "p99 batch", "backend"], digits: 1 })];
  for (const c of r.channels) lines.push(`  channel ${c.name}: ${c.stats.batches} batches, producers waited ${ms(c.stats.blockedMs)} (backpressure)`);
  lines.push("");
  lines.push(`${r.sourceRows} rows read, ${r.rowsOut} written, ${r.deadLettered} dead-lettered in ${ms(r.wallMs)} (${(r.sourceRows / wallS).toFixed(1)} rows/s)`);
  if (r.deadLetterPath) lines.push(`dead letters → ${r.deadLetterPath}`);
  if (r.checkpoints) lines.push("", checkpointTable(r));
  return lines.join("\n");
}

/** Per region: where it resumed, checkpoints taken and how long they took, restarts and work redone. */
export function checkpointTable(r: RunResult): string {
  const rows = (r.checkpoints ?? []).map((c) => {
    const total = c.checkpoints.map((t) => t.totalMs);
    const align = c.checkpoints.map((t) => t.alignMs);
    const bytes = c.checkpoints.length ? c.checkpoints[c.checkpoints.length - 1]!.bytes : 0;
    return [c.region, c.resumedFrom === undefined ? "—" : `checkpoint ${c.resumedFrom}`, c.checkpoints.length, ms(sampleQuantile(total, 0.5)), ms(Math.max(0, ...total)), ms(sampleQuantile(align, 0.5)), kib(bytes), c.restarts, c.recomputedRows];
  });
  const table = formatTable(rows, { columns: ["region", "resumed from", "checkpoints", "p50 duration", "max duration", "p50 alignment", "last size", "restarts", "rows redone"], digits: 1 });
  return r.alreadyComplete ? `${table}\nalready complete: every region's last checkpoint is final; nothing to do (delete the checkpoint directory to run again)` : table;
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
