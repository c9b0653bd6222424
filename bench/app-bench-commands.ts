/**
 * `sluice bench pipeline | batching | memory`: the application benchmarks' command lines —
 * flags, readable tables, `--json FILE` for scripts and `--plot FILE.svg` for people.
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SluiceError } from "../kernels/errors.js";
import { parseArgs } from "../runtime/cli/args.js";
import { formatTable, ms } from "../runtime/cli/table.js";
import type { BenchTarget } from "./bench-target.js";
import { barChartSvg } from "./plot-svg.js";

const say = (m: string): void => void process.stderr.write(`  ${m}\n`);

function writeOut(path: string, text: string, what: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  console.log(`${what}: ${path}`);
}

function positiveInt(flag: string, v: string | undefined, fallback: number | undefined): number | undefined {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SluiceError(`bench: --${flag} must be a positive integer, got '${v}'`);
  return n;
}

function printTargets(targets: readonly BenchTarget[]): void {
  console.log("\ntargets");
  console.log(formatTable(
    targets.map((t) => [t.name, t.measured === null ? "n/a" : `${t.measured.toFixed(2)}${t.unit}`, t.goal, t.pass === null ? "not measured" : t.pass ? "PASS" : "MISS", t.detail]),
    { columns: ["target", "measured", "goal", "", "detail"] },
  ));
}

const pct = (part: number, whole: number): string => `${((part / whole) * 100).toFixed(0)}%`;

export async function pipelineBenchCommand(args: string[]): Promise<number> {
  const p = parseArgs("bench pipeline", args, { values: ["images", "reps", "json", "plot", "model"], booleans: ["quick"] });
  const { runPipelineBench } = await import("./pipeline-bench.js");
  const r = await runPipelineBench({
    images: positiveInt("images", p.values.get("images"), undefined), reps: positiveInt("reps", p.values.get("reps"), undefined),
    quick: p.flags.has("quick"), model: p.values.get("model"), progress: say,
  });
  console.log(`\nmachine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, libuv pool ${r.machine.uvThreadpool}, sharp concurrency ${r.machine.sharpConcurrency}`);
  console.log(`load average (1 min) before/after: ${r.machine.loadAvg.map((l) => l.toFixed(2)).join(" / ")}${r.machine.loadAvg[0] > 0.5 * r.machine.cpus ? " — other processes share the cores: wall times are noisy, CPU ms/image less so" : ""}`);
  console.log(`images: ${r.images.count} × ${r.images.width}×${r.images.height} JPEG (mean ${r.images.meanKB.toFixed(0)} KB) in ${r.images.dir}`);
  console.log(`model: ${r.model.description}; input ${r.model.input} batch dim ${r.model.batch}`);
  console.log(`sluice side: ${r.sluice.via}\n`);
  console.log(formatTable(
    [
      ["sluice", ms(r.sluice.sample.medianMs), `${ms(r.sluice.sample.p10Ms)} – ${ms(r.sluice.sample.p90Ms)}`, r.sluice.imagesPerSec, r.ratio, r.sluice.cpuMsPerImage],
      ["sharp + onnxruntime-node script", ms(r.peer.sample.medianMs), `${ms(r.peer.sample.p10Ms)} – ${ms(r.peer.sample.p90Ms)}`, r.peer.imagesPerSec, 1, r.peer.cpuMsPerImage],
    ],
    { columns: ["side", "median run", "p10 – p90", "images/s", "× peer", "CPU ms/image"], digits: 1 },
  ));
  const wallS = r.sluice.sample.medianMs;
  console.log("\nsluice, where the time goes (executor busyMs, median run; the two regions overlap)");
  console.log(formatTable(
    r.sluice.steps.map((s) => [s.step, s.region, s.rowsIn, ms(s.busyMs), pct(s.busyMs, wallS), ms(s.busyMs / Math.max(1, s.rowsIn)), s.backend]),
    { columns: ["step", "region", "rows", "busy", "of wall", "per image", "backend"] },
  ));
  const wallP = r.peer.sample.medianMs, n = r.images.count;
  const st = r.peer.stages;
  console.log(`\npeer, where the time goes (time with work in flight per stage, median run; stages overlap; ${r.peer.batch} rows per session.run)`);
  console.log(formatTable(
    [
      ["read + decode + resize (sharp)", ms(st.decodeResizeMs), pct(st.decodeResizeMs, wallP), ms(st.decodeResizeMs / n)],
      ["normalize (JS loop)", ms(st.normalizeMs), pct(st.normalizeMs, wallP), ms(st.normalizeMs / n)],
      ["inference (session.run)", ms(st.inferenceMs), pct(st.inferenceMs, wallP), ms(st.inferenceMs / n)],
      ["write Parquet", ms(st.writeMs), pct(st.writeMs, wallP), ms(st.writeMs / n)],
    ],
    { columns: ["stage", "busy", "of wall", "per image"] },
  ));
  const s = r.shrinkOnLoad;
  console.log(`\nshrink-on-load check (${s.images} images): sluice vs full decode max |Δ| ${s.maxAbs.toFixed(4)} normalized = ${s.maxLevels.toFixed(1)} levels, mean ${s.meanLevels.toFixed(2)} levels; peer vs sluice max |Δ| ${s.peerVsSluiceMaxAbs.toFixed(4)}`);
  console.log(`outputs agree: ${r.agreement.sameClass}/${r.agreement.rows} rows have the same top-1 class`);
  printTargets(r.targets);
  const json = p.values.get("json");
  if (json) writeOut(json, JSON.stringify(r, null, 2) + "\n", "\nJSON");
  const plot = p.values.get("plot");
  if (plot) {
    writeOut(plot, barChartSvg(
      [
        { label: "sluice", value: r.sluice.imagesPerSec, group: "images/s" },
        { label: "sharp + onnxruntime-node script", value: r.peer.imagesPerSec, group: "images/s" },
      ],
      { title: `sluice bench pipeline — ${r.machine.cpus} × ${r.machine.cpuModel}`, unit: `images/s (median of ${r.reps}), ${r.images.count} × 1080p → 224² → model → Parquet` },
    ), "plot");
  }
  return 0;
}

export async function batchingBenchCommand(args: string[]): Promise<number> {
  const p = parseArgs("bench batching", args, { values: ["json", "records", "threads"], booleans: ["quick"] });
  const { runBatchingBench } = await import("./batching-bench.js");
  const r = await runBatchingBench({ quick: p.flags.has("quick"), records: positiveInt("records", p.values.get("records"), undefined),
    threads: positiveInt("threads", p.values.get("threads"), undefined), progress: say,
  });
  console.log(`\nmachine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, load average ${r.machine.loadAvg.toFixed(2)}; ${r.model}, ${r.threads} intra-op threads`);
  console.log(`sluice side: ${r.operator}\n`);
  console.log(formatTable(
    r.sweep.map((s) => [s.batch, ms(s.sluice.medianMs), ms(s.raw.medianMs), s.sluiceRowsPerSec / 1e3, s.rawRowsPerSec / 1e3, `${(s.overhead * 100).toFixed(1)}%`]),
    { columns: ["rows/call", `sluice (${r.records} rows)`, "raw session.run", "sluice k rows/s", "raw k rows/s", "overhead"], digits: 1 },
  ));
  console.log(`\none raw session.run per record: ${ms(r.perRecord.sample.medianMs)} per ${r.records} rows = ${(r.perRecord.rowsPerSec / 1e3).toFixed(1)}k rows/s`);
  printTargets(r.targets);
  const json = p.values.get("json");
  if (json) writeOut(json, JSON.stringify(r, null, 2) + "\n", "\nJSON");
  return 0;
}

export async function memoryBenchCommand(args: string[]): Promise<number> {
  const p = parseArgs("bench memory", args, { values: ["images", "json", "model", "distinct"], booleans: [] });
  const { runMemoryBench } = await import("./memory-bench.js");
  const tty = process.stderr.isTTY;
  let lastLogged = 0;
  const r = await runMemoryBench({
    images: positiveInt("images", p.values.get("images"), undefined), distinct: positiveInt("distinct", p.values.get("distinct"), undefined),
    model: p.values.get("model"), progress: say,
    onTick: (t) => {
      const line = `rows ${t.rows}/${t.total} (${((t.rows / t.elapsedMs) * 1e3).toFixed(0)}/s) │ RSS ${t.rssMB.toFixed(0)} MB, peak ${t.peakMB.toFixed(0)} MB`;
      // Not a terminal (CI logs): one line every 10 s instead of a redrawn status line.
      if (tty) process.stderr.write(`\r\x1b[2K  ${line}`);
      else if (t.elapsedMs - lastLogged >= 10_000) (lastLogged = t.elapsedMs), say(line);
    },
  });
  if (tty) process.stderr.write("\r\x1b[2K");
  console.log(`\nmachine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, load average ${r.machine.loadAvg.toFixed(2)}`);
  console.log(`model: ${r.model}`);
  console.log(`pipeline: ${r.via}\n`);
  console.log(formatTable(
    [[r.images, r.distinct, ms(r.wallMs), r.imagesPerSec, r.baselineMB, r.peakSampledMB, r.maxRssMB, r.samples, r.endHeapUsedMB, r.endExternalMB]],
    { columns: ["images", "distinct", "wall", "images/s", "baseline MB", "peak RSS MB (50 ms)", "maxRSS MB", "samples", "end heap MB", "end external MB"], digits: 1 },
  ));
  console.log("\nwhere the time goes (executor busyMs)");
  console.log(formatTable(
    r.steps.map((s) => [s.step, s.region, s.rowsIn, ms(s.busyMs), pct(s.busyMs, r.wallMs), s.backend]),
    { columns: ["step", "region", "rows", "busy", "of wall", "backend"] },
  ));
  printTargets(r.targets);
  const json = p.values.get("json");
  if (json) writeOut(json, JSON.stringify(r, null, 2) + "\n", "\nJSON");
  return 0;
}
