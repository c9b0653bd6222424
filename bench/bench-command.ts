/**
 * `sluice bench <workload>`: runs a benchmark, prints readable tables, and optionally writes
 * JSON (for scripts) and an SVG plot (for people).
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SluiceError } from "../kernels/errors.js";
import type { Backend } from "../kernels/registry.js";
import { parseArgs } from "../runtime/cli/args.js";
import { formatTable, ms, si } from "../runtime/cli/table.js";
import { runKernelBench, type KernelBenchReport } from "./kernel-bench.js";
import { barChartSvg } from "./plot-svg.js";

function writeOut(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function printKernelReport(r: KernelBenchReport): void {
  console.log(`\nmachine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, WebGPU: ${r.machine.webgpu ?? "none"}`);
  console.log(`memory copy probe (TypedArray.set, 32 MB moved): ${ms(r.copyProbe.medianMs)}, ${r.copyProbe.gbPerSec.toFixed(2)} GB/s\n`);
  console.log(formatTable(
    r.rows.map((x) => [x.workload, x.size, x.backend, ms(x.medianMs), `${ms(x.p10Ms)} – ${ms(x.p90Ms)}`, si(x.elementsPerSec, "/s"), x.gbPerSec, x.vsPlainJs]),
    { columns: ["workload", "size", "backend", "median", "p10 – p90", "elements", "GB/s", "× plain JS"] },
  ));
  console.log("\ntargets");
  console.log(formatTable(
    r.targets.map((t) => [t.name, t.measured === null ? "n/a" : `${t.measured.toFixed(2)}${t.unit}`, `≥ ${t.threshold}${t.unit}`, t.pass === null ? "not measured" : t.pass ? "PASS" : "MISS", t.detail]),
    { columns: ["target", "measured", "goal", "", "detail"] },
  ));
}

function plotKernelReport(r: KernelBenchReport): string {
  const largest = new Map<string, KernelBenchReport["rows"][number]>();
  // One bar per workload × backend: its largest size, where per-call overhead matters least.
  for (const row of r.rows) largest.set(`${row.workload}|${row.backend}`, row);
  return barChartSvg(
    [...largest.values()].map((x) => ({ label: `${x.workload} (${x.size})`, value: x.vsPlainJs, group: x.backend })),
    { title: `sluice bench kernels — ${r.machine.cpus} × ${r.machine.cpuModel}`, unit: "speedup over the plain-JS loop (×, median)", reference: 1 },
  );
}

/** Every benchmark `sluice bench` runs, with what it measures (listed by a bare `sluice bench`). */
export const BENCHMARKS: Readonly<Record<string, string>> = {
  kernels: "every kernel × backend × size vs plain JS [--json F] [--plot F.svg] [--quick] [--backends js,wasm,webgpu] [--ops a,b]",
  pipeline: "1080p JPEGs → 224² → model → Parquet, sluice vs a sharp + onnxruntime-node script [--images N] [--reps N] [--json F] [--plot F.svg] [--quick] [--model F]",
  batching: "tiny MLP: sluice's inference operator vs per-record and raw batched session.run [--json F] [--quick] [--records N] [--threads N]",
  memory: "peak RSS of the sluice pipeline over 10k 1080p images [--images N] [--json F] [--model F]",
  checkpoint: "checkpoint targets: throughput cost, slow udf under backpressure, recovery after kill -9 [--json F] [--plot F.svg] [--quick] [--reps N] [--seconds N] [--trials N] [--parts throughput,backpressure,recovery]",
};

function listBenchmarks(): string {
  const w = Math.max(...Object.keys(BENCHMARKS).map((k) => k.length));
  return ["usage: sluice bench <benchmark> [options]", "", ...Object.entries(BENCHMARKS).map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join("\n");
}

export async function benchCommand(args: string[]): Promise<number> {
  const sub = args[0];
  if (sub === undefined || sub.startsWith("--")) {
    console.log(listBenchmarks());
    return sub === undefined ? 0 : 2;
  }
  // The application benchmarks parse their own flags (each has a different set).
  if (sub === "pipeline") return (await import("./app-bench-commands.js")).pipelineBenchCommand(args.slice(1));
  if (sub === "batching") return (await import("./app-bench-commands.js")).batchingBenchCommand(args.slice(1));
  if (sub === "memory") return (await import("./app-bench-commands.js")).memoryBenchCommand(args.slice(1));
  if (sub === "checkpoint") return (await import("./checkpoint-bench-command.js")).checkpointBenchCommand(args.slice(1));
  const p = parseArgs("bench", args, { values: ["json", "plot", "backends", "ops"], booleans: ["quick"] });
  const what = p.positional[0];
  if (what !== "kernels") {
    throw new SluiceError(`bench: unknown benchmark '${what ?? ""}' (available: ${Object.keys(BENCHMARKS).join(", ")})`);
  }
  const backends = (p.values.get("backends") ?? "js,wasm,webgpu").split(",").map((b) => b.trim()) as Backend[];
  for (const b of backends) if (!["js", "wasm", "webgpu"].includes(b)) throw new SluiceError(`bench: unknown backend '${b}'`);
  const only = p.values.get("ops")?.split(",").map((s) => s.trim()).filter(Boolean);
  const report = await runKernelBench({ quick: p.flags.has("quick"), backends, only, progress: (m) => process.stderr.write(`  ${m}\n`) });
  printKernelReport(report);
  const json = p.values.get("json");
  if (json) {
    writeOut(json, JSON.stringify(report, null, 2) + "\n");
    console.log(`\nJSON: ${json}`);
  }
  const plot = p.values.get("plot");
  if (plot) {
    writeOut(plot, plotKernelReport(report));
    console.log(`plot: ${plot}`);
  }
  return 0;
}
