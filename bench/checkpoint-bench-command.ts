/**
 * `sluice bench checkpoint`: flags, readable tables, `--json FILE` (every figure and a pass/fail
 * per target) and `--plot FILE.svg` (one panel per target).
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SluiceError } from "../kernels/errors.js";
import { parseArgs } from "../runtime/cli/args.js";
import { formatTable, ms } from "../runtime/cli/table.js";
import { CHECKPOINT_BENCH_PARTS, runCheckpointBench, type CheckpointBenchPart, type CheckpointBenchReport } from "./checkpoint-bench.js";
import { barChartSvg } from "./plot-svg.js";

const say = (m: string): void => void process.stderr.write(`  ${m}\n`);

function writeOut(path: string, text: string, what: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`${what}: ${path}`);
}

function positive(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new SluiceError(`bench checkpoint: --${flag} must be a positive number, got '${v}'`);
  return n;
}

const mb = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1e6).toFixed(1)} MB` : "—");
const msOrDash = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? "—" : ms(v));

export function printCheckpointReport(r: CheckpointBenchReport): void {
  const m = r.machine;
  console.log(`\nmachine: ${m.cpus} × ${m.cpuModel}, Node ${m.node}; load average (1 min) before/after: ${m.loadAvg.map((l) => l.toFixed(2)).join(" / ")}${m.loadAvg[0] > 0.5 * m.cpus ? " — other processes share the cores: wall times are noisy, CPU ms per row less so" : ""}${r.quick ? "\n--quick: a smoke run; its numbers are not for quoting" : ""}`);

  const t = r.throughput;
  if (t) {
    console.log(`\n(a) throughput with and without a checkpoint every 1 s`);
    console.log(`pipeline: ${t.pipeline}`);
    console.log(`model: ${t.model}`);
    console.log(`regions: ${t.regions.join(" ═ ")}`);
    console.log(`${t.rowsPerRun.toLocaleString("en-US")} rows per run (${t.inputFiles} files); ${t.reps} timed runs of each, order ${t.order.map((o) => (o === "no checkpoints" ? "A" : "B")).join(" ")} (A = none, B = checkpoints)\n`);
    const row = (name: string, s: typeof t.none, ratio: number) => [
      name, Math.round(s.medianRowsPerSec), `${s.p10RowsPerSec.toFixed(0)} – ${s.p90RowsPerSec.toFixed(0)}`, ms(s.medianWallMs), Math.round(s.medianSteadyRowsPerSec), s.medianCpuMsPer1kRows.toFixed(1), ratio.toFixed(3),
    ];
    console.log(formatTable(
      [row("no checkpoints", t.none, 1), row("checkpoint every 1 s", t.checkpointed, t.ratio)],
      { columns: ["variant", "rows/s (median)", "p10 – p90", "median run", "steady rows/s", "CPU ms / 1k rows", "× none"] },
    ));
    console.log(`checkpoints / none: rows/s ${(t.ratio * 100).toFixed(1)}%, CPU per row ${(t.cpuRatio * 100).toFixed(1)}%`);
    console.log("(steady rows/s: sink rows between 10% and 90% of the output. Not a fair comparison: with checkpoints the upstream region runs ahead into the region log and finishes early, leaving the cores to inference.)");
    console.log(`\ncheckpoints of the median checkpointed run (final checkpoint excluded)`);
    console.log(formatTable(
      t.checkpoints.map((c) => [c.region, c.count, msOrDash(c.totalMs.p50), msOrDash(c.totalMs.max), msOrDash(c.alignMs.p50), msOrDash(c.snapshotMs.p50), mb(c.bytes.p50), msOrDash(c.finalTotalMs)]),
      { columns: ["region", "checkpoints", "p50 total", "max total", "p50 align", "p50 snapshot", "p50 size", "final"] },
    ));
    const notices = t.runs.flatMap((x) => x.notices);
    if (notices.length) console.log(`recovery notices during the runs (there should be none):\n  ${notices.join("\n  ")}`);
  }

  const b = r.backpressure;
  if (b) {
    const c = b.config;
    console.log(`\n(b) slow async udf under full backpressure, checkpoint every ${c.intervalMs} ms`);
    console.log(`jsonl (${c.rows} rows) → udf: calls ${c.callMs} ± ${c.jitterMs} ms, concurrency ${c.concurrency} × maxRows ${c.maxRows}, capacity ${c.capacity} rows (saturated: ${b.runs[0]?.saturatedRowsPerSec.toFixed(0)} rows/s) → jsonl; batchRows 64`);
    console.log("durations: request → written and committed (total), request → barrier injected (align), request → snapshot handed over; final checkpoint excluded\n");
    console.log(formatTable(
      b.runs.map((x) => {
        const k = x.checkpoints;
        return [x.mode, x.rowsPerSec, k.count, msOrDash(k.totalMs.p50), msOrDash(k.totalMs.max), msOrDash(k.alignMs.p50), msOrDash(k.alignMs.max), msOrDash(k.snapshotMs.p50), Number.isFinite(k.bytes.p50) ? `${(k.bytes.p50 / 1e3).toFixed(0)} kB` : "—", msOrDash(k.finalTotalMs)];
      }),
      { columns: ["mode", "rows/s", "checkpoints", "p50 total", "max total", "p50 align", "max align", "p50 snapshot", "p50 size", "final"], digits: 1 },
    ));
    const notices = b.runs.flatMap((x) => x.notices);
    if (notices.length) console.log(`recovery notices during the runs (there should be none):\n  ${notices.join("\n  ")}`);
  }

  const c = r.recovery;
  if (c) {
    const k = c.result.config;
    console.log(`\n(c) recovery: SIGKILL, then \`sluice run spec.yaml\` again`);
    console.log(`spec: files (${k.rows} × ${(k.payloadBytes / 1024).toFixed(0)} KiB) → udf (unaligned, ${k.callMs} ms calls, concurrency ${k.concurrency} × ${k.maxRows}, capacity ${k.capacity}) → jsonl; checkpoint every 1 s; killed once a checkpoint ≥ ${mb(k.killAtStateBytes)} is on disk`);
    console.log("times from spawn (parent clock) unless noted; 'first output' = first new sink part file opened, 'first commit' = first new part file published\n");
    console.log(formatTable(
      c.result.trials.map((x) => [
        x.trial, x.stateCheckpoint === null ? "—" : `${mb(x.stateBytes)} (chk ${x.stateCheckpoint})`, x.resumedFrom ?? "—", msOrDash(x.coldFirstOutputMs), msOrDash(x.spawnToFirstOutputMs),
        msOrDash(x.reportFirstOutputMs), msOrDash(x.spawnToFirstCommitMs), x.restartCheckpointMaxMs === null ? "—" : `${ms(x.restartCheckpointP50Ms!)} / ${ms(x.restartCheckpointMaxMs)} (${ms(x.restartSnapshotP50Ms!)})`,
        `${x.outputRows} / ${x.distinctRows}`, x.error ? "FAILED" : x.exactlyOnce ? "yes" : "NO",
      ]),
      { columns: ["trial", "state (resumed)", "resumed from", "cold start → 1st output", "restart → 1st output", "report firstOutputMs", "restart → 1st commit", "restart ckpts p50 / max (snapshot p50)", "rows / distinct", "exactly once"] },
    ));
    console.log(`medians (${c.completed} trials): restart → first output ${msOrDash(c.medianSpawnToFirstOutputMs)} (child's own clock ${msOrDash(c.medianReportFirstOutputMs)}), → first commit ${msOrDash(c.medianSpawnToFirstCommitMs)}; cold start → first output ${msOrDash(c.medianColdFirstOutputMs)}; state ${mb(c.medianStateBytes)} (max ${mb(c.maxStateBytes)})`);
    for (const x of c.result.trials) if (x.error) console.log(`trial ${x.trial} failed: ${x.error}`);
  }

  console.log("\ntargets");
  console.log(formatTable(
    r.targets.map((x) => [x.name, x.measured === null ? "n/a" : `${x.measured.toFixed(x.unit === "%" ? 1 : 0)}${x.unit}`, x.goal, x.pass === null ? "not measured" : x.pass ? "PASS" : "MISS", x.detail]),
    { columns: ["target", "measured", "goal", "", "detail"] },
  ));
}

/** Panels stacked vertically: one bar chart per target (each has its own unit). */
export function checkpointPlot(r: CheckpointBenchReport): string {
  const panels: string[] = [];
  const title = `sluice bench checkpoint — ${r.machine.cpus} × ${r.machine.cpuModel}`;
  if (r.throughput) {
    const t = r.throughput;
    panels.push(barChartSvg(
      [
        { label: "no checkpoints", value: t.none.medianRowsPerSec / 1e3, group: "median" },
        { label: "checkpoint every 1 s", value: t.checkpointed.medianRowsPerSec / 1e3, group: "median" },
        ...t.runs.map((x, i) => ({ label: `run ${i + 1}: ${x.variant}`, value: x.rowsPerSec / 1e3, group: "each run" })),
      ],
      { title: `${title}: (a) throughput`, unit: `k rows/s end to end; dashed: 95% of the no-checkpoint median`, reference: Math.round((0.95 * t.none.medianRowsPerSec) / 1e2) / 10 },
    ));
  }
  if (r.backpressure) {
    panels.push(barChartSvg(
      r.backpressure.runs.flatMap((x) => [
        { label: `${x.mode}: p50 request → committed`, value: x.checkpoints.totalMs.p50, group: x.mode },
        { label: `${x.mode}: max request → committed`, value: x.checkpoints.totalMs.max, group: x.mode },
        { label: `${x.mode}: max alignment`, value: x.checkpoints.alignMs.max, group: x.mode },
      ]),
      { title: "(b) checkpoints of a slow udf under full backpressure", unit: "ms; dashed: 2 × interval", reference: 2 * r.backpressure.config.intervalMs },
    ));
  }
  if (r.recovery && r.recovery.completed > 0) {
    const c = r.recovery;
    panels.push(barChartSvg(
      [
        { label: "cold start → first output (no state)", value: c.medianColdFirstOutputMs, group: "parent clock" },
        { label: `restart → first output (${mb(c.medianStateBytes)} state)`, value: c.medianSpawnToFirstOutputMs, group: "parent clock" },
        { label: "restart: report firstOutputMs", value: c.medianReportFirstOutputMs, group: "child clock" },
        { label: "restart → first committed part", value: c.medianSpawnToFirstCommitMs, group: "parent clock" },
      ],
      { title: "(c) recovery after SIGKILL", unit: `ms, median of ${c.completed}; dashed: 2 s`, reference: 2000 },
    ));
  }
  let y = 0, width = 0;
  const body: string[] = [];
  for (const p of panels) {
    const w = Number(/width="(\d+(?:\.\d+)?)"/.exec(p)?.[1] ?? 0), h = Number(/height="(\d+(?:\.\d+)?)"/.exec(p)?.[1] ?? 0);
    body.push(p.replace("<svg ", `<svg x="0" y="${y}" `));
    y += h + 10;
    width = Math.max(width, w);
  }
  return [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.max(1, y - 10)}">`, ...body, "</svg>"].join("\n");
}

export async function checkpointBenchCommand(args: string[]): Promise<number> {
  const p = parseArgs("bench checkpoint", args, { values: ["json", "plot", "reps", "seconds", "trials", "parts"], booleans: ["quick"] });
  const parts = p.values.get("parts")?.split(",").map((s) => s.trim()).filter(Boolean);
  for (const x of parts ?? []) {
    if (!(CHECKPOINT_BENCH_PARTS as readonly string[]).includes(x)) throw new SluiceError(`bench checkpoint: unknown part '${x}' (parts: ${CHECKPOINT_BENCH_PARTS.join(", ")})`);
  }
  const int = (flag: string) => {
    const n = positive(flag, p.values.get(flag));
    if (n !== undefined && !Number.isInteger(n)) throw new SluiceError(`bench checkpoint: --${flag} must be a positive integer, got '${n}'`);
    return n;
  };
  const r = await runCheckpointBench({
    quick: p.flags.has("quick"),
    parts: parts as CheckpointBenchPart[] | undefined,
    reps: int("reps"),
    seconds: positive("seconds", p.values.get("seconds")),
    trials: int("trials"),
    progress: say,
  });
  printCheckpointReport(r);
  const json = p.values.get("json");
  if (json) writeOut(json, JSON.stringify(r, null, 2) + "\n", "\nJSON");
  const plot = p.values.get("plot");
  if (plot) writeOut(plot, checkpointPlot(r), "plot");
  return 0;
}
