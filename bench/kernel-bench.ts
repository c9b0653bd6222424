/**
 * `sluice bench kernels`: every workload × backend × size, timed on inputs already resident
 * where the backend keeps them (WASM memory, GPU buffers) so the numbers are the kernels' own,
 * plus the checks behind the foundation targets, each measured against its peer in the same run.
 */

import os from "node:os";
import { registerAllKernels } from "../kernels/register-all-kernels.js";
import { hasKernel, runCpu, type Backend } from "../kernels/registry.js";
import { checkOp } from "../kernels/op-specs.js";
import type { Tensor } from "../kernels/tensor.js";
import { KernelDispatcher } from "../scheduler/kernel-dispatcher.js";
import type { GpuTensor, WebGpuBackend } from "../scheduler/webgpu/index.js";
import { WasmTensor } from "../kernels/wasm/wasm-tensor.js";
import { compare, measure, type MeasureOptions, type Sample } from "./harness.js";
import { FIVE_OP_CHAIN, IMAGENET, bytesMoved, filled, kernelWorkloads, type KernelWorkload } from "./kernel-workloads.js";
import { sharpResizeNormalize } from "./peers/sharp-resize-normalize.js";

export interface KernelBenchOptions {
  quick: boolean;
  backends: readonly Backend[];
  /** Only workloads whose name contains one of these. */
  only?: readonly string[];
  progress?: (message: string) => void;
}

export interface KernelBenchRow {
  workload: string;
  op: string;
  size: string;
  backend: Backend;
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  runs: number;
  elementsPerSec: number;
  /** Bytes read + written per second. */
  gbPerSec: number;
  peerMedianMs: number;
  /** Plain-JS peer median / ours: > 1 means faster than the plain-JS loop. */
  vsPlainJs: number;
}

export interface Target {
  name: string;
  measured: number | null;
  threshold: number;
  unit: string;
  pass: boolean | null;
  detail: string;
}

export interface KernelBenchReport {
  benchmark: "kernels";
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; webgpu: string | null };
  copyProbe: { bytes: number; medianMs: number; gbPerSec: number };
  rows: KernelBenchRow[];
  targets: Target[];
}

/** Copies a tensor into WASM memory once, so timed runs see the kernel and not the copy. */
const toWasmTensor = (t: Tensor): WasmTensor => WasmTensor.from(t);
/** Frees a kernel output (always a WasmTensor on the wasm backend). */
const disposeWasmTensor = (t: Tensor): void => {
  if (t instanceof WasmTensor) t.dispose();
};

interface Runner {
  backend: Backend;
  /** Makes inputs resident, returns the timed function and a cleanup. */
  prepare(w: KernelWorkload, inputs: Tensor[]): { run: () => unknown; cleanup: () => void };
}

function jsRunner(): Runner {
  return { backend: "js", prepare: (w, inputs) => ({ run: () => runCpu(w.op, "js", inputs, w.attrs), cleanup: () => {} }) };
}

function wasmRunner(): Runner {
  return {
    backend: "wasm",
    prepare(w, inputs) {
      const resident = inputs.map(toWasmTensor);
      return {
        run: () => runCpu(w.op, "wasm", resident, w.attrs).forEach(disposeWasmTensor),
        cleanup: () => resident.forEach(disposeWasmTensor),
      };
    },
  };
}

function gpuRunner(gpu: WebGpuBackend): Runner {
  return {
    backend: "webgpu",
    prepare(w, inputs) {
      const resident = inputs.map((t) => gpu.upload(t));
      return {
        run: async () => {
          const outs: GpuTensor[] = await gpu.run(w.op, resident, w.attrs);
          await gpu.device.queue.onSubmittedWorkDone();
          outs.forEach((t) => gpu.release(t));
        },
        cleanup: () => resident.forEach((t) => gpu.release(t)),
      };
    },
  };
}

/** Bytes copied per second by `TypedArray.set` over 16 MB: the machine's practical memory bandwidth. */
async function copyProbe(opts: MeasureOptions): Promise<KernelBenchReport["copyProbe"]> {
  const n = 4 << 20;
  const src = filled("f32", [n]).data as Float32Array, dst = new Float32Array(n);
  const s = await measure(() => dst.set(src), opts);
  const bytes = 2 * n * 4;
  return { bytes, medianMs: s.medianMs, gbPerSec: bytes / s.medianMs / 1e6 };
}

function target(name: string, measured: number | null, threshold: number, unit: string, detail: string): Target {
  return { name, measured, threshold, unit, pass: measured === null ? null : measured >= threshold, detail };
}

export async function runKernelBench(opts: KernelBenchOptions): Promise<KernelBenchReport> {
  registerAllKernels();
  const say = opts.progress ?? (() => {});
  const mopts: MeasureOptions = opts.quick ? { warmup: 2, minRuns: 5, minTimeMs: 100 } : { warmup: 3, minRuns: 9, minTimeMs: 400 };
  const wantGpu = opts.backends.includes("webgpu");
  const dispatcher = await KernelDispatcher.create({ webgpu: wantGpu, warn: say });
  const gpu = wantGpu ? dispatcher.webgpu : null;
  if (wantGpu && !gpu) say("no WebGPU adapter: skipping the webgpu backend");
  const runners: Runner[] = [];
  if (opts.backends.includes("js")) runners.push(jsRunner());
  if (opts.backends.includes("wasm") && dispatcher.availability.wasm) runners.push(wasmRunner());
  if (gpu) runners.push(gpuRunner(gpu));

  const copy = await copyProbe(mopts);
  say(`memory copy probe: ${copy.gbPerSec.toFixed(2)} GB/s (read + write)`);
  const workloads = kernelWorkloads(opts.quick).filter((w) => !opts.only?.length || opts.only.some((o) => w.name.includes(o)));
  const total = workloads.reduce((s, w) => s + w.cases.length * runners.filter((r) => hasKernel(w.op, r.backend)).length, 0);
  const rows: KernelBenchRow[] = [];
  let done = 0;
  for (const w of workloads) {
    for (const c of w.cases) {
      const inputs = c.inputs();
      const outs = checkOp(w.op, inputs, w.attrs).outputs;
      const bytes = bytesMoved(inputs, outs);
      const elements = w.elements?.(inputs) ?? inputs[0]!.data.length;
      const peer: Sample = await measure(() => w.peer(inputs), mopts);
      for (const r of runners) {
        if (!hasKernel(w.op, r.backend)) continue;
        say(`[${++done}/${total}] ${w.name} ${c.label} on ${r.backend}`);
        const { run, cleanup } = r.prepare(w, inputs);
        try {
          const s = await measure(run, mopts);
          rows.push({
            workload: w.name, op: w.op, size: c.label, backend: r.backend, ...s,
            elementsPerSec: (elements / s.medianMs) * 1e3, gbPerSec: bytes / s.medianMs / 1e6,
            peerMedianMs: peer.medianMs, vsPlainJs: peer.medianMs / s.medianMs,
          });
        } finally {
          cleanup();
        }
      }
    }
  }

  const targets: Target[] = [];
  if (dispatcher.availability.wasm && opts.backends.includes("wasm")) targets.push(...(await cpuTargets(mopts, say)));
  targets.push(await gpuTarget(gpu, mopts, say));
  dispatcher.destroy();
  return {
    benchmark: "kernels",
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "?", node: process.version,
      webgpu: gpu ? `${gpu.info.vendor} ${gpu.info.architecture} ${gpu.info.description}${gpu.info.isFallbackAdapter ? " (software)" : ""}`.trim() : null,
    },
    copyProbe: copy,
    rows,
    targets,
  };
}

/** The three CPU targets of the foundation issue, each ours vs its peer, interleaved. */
async function cpuTargets(mopts: MeasureOptions, say: (m: string) => void): Promise<Target[]> {
  const out: Target[] = [];
  const opts = { ...mopts, minRuns: Math.max(mopts.minRuns ?? 9, 15) };

  say("target: normalize 4M f32 (wasm vs plain JS, vs copy bandwidth)");
  const x = filled("f32", [3, 1024, 1365], 0, 1);
  const attrs = { ...IMAGENET, inputLayout: "chw" as const, outputLayout: "chw" as const };
  const xr = toWasmTensor(x);
  const plane = 1024 * 1365;
  const { normalizeChw } = await import("./peers/plain-js-kernels.js");
  const wasmNormalize = () => runCpu("normalize", "wasm", [xr], attrs).forEach(disposeWasmTensor);
  const norm = await compare(wasmNormalize, () => normalizeChw(x.data as Float32Array, plane, IMAGENET.mean, IMAGENET.std), opts);
  out.push(target("normalize 4M f32: wasm SIMD vs plain-JS loop", norm.speedup, 3, "×", `wasm ${norm.ours.medianMs.toFixed(3)} ms, plain JS ${norm.peer.medianMs.toFixed(3)} ms`));
  // Bandwidth is measured alone, next to a fresh copy probe: interleaved with the JS peer, the
  // peer's 16 MB allocations (zeroing, GC) eat into the memory bandwidth the kernel sees.
  const copyNow = await copyProbe(opts);
  const alone = await measure(wasmNormalize, opts);
  disposeWasmTensor(xr);
  const normGbps = (2 * x.data.byteLength) / alone.medianMs / 1e6;
  out.push(target("normalize 4M f32: share of copy bandwidth", normGbps / copyNow.gbPerSec, 0.5, "", `${alone.medianMs.toFixed(3)} ms = ${normGbps.toFixed(2)} GB/s vs TypedArray.set ${copyNow.gbPerSec.toFixed(2)} GB/s (read + write)`));

  say("target: fused 5-op chain vs 5 separate wasm calls");
  const v = toWasmTensor(filled("f32", [4 << 20], -4, 4));
  const unfused = () => {
    let cur: Tensor = v;
    for (const step of FIVE_OP_CHAIN) {
      const [next] = runCpu("elementwiseChain", "wasm", [cur], { steps: [step] });
      if (cur !== v) disposeWasmTensor(cur);
      cur = next!;
    }
    disposeWasmTensor(cur);
  };
  const chain = await compare(() => runCpu("elementwiseChain", "wasm", [v], { steps: FIVE_OP_CHAIN }).forEach(disposeWasmTensor), unfused, opts);
  disposeWasmTensor(v);
  out.push(target("fused 5-op chain (4M f32) vs 5 separate wasm calls", chain.speedup, 2.5, "×", `fused ${chain.ours.medianMs.toFixed(3)} ms, separate ${chain.peer.medianMs.toFixed(3)} ms`));

  say("target: 1080p u8 → antialiased 224² → normalized CHW, wasm vs sharp + JS normalize (1 thread)");
  const frame = filled("u8", [1080, 1920, 3]);
  const fr = toWasmTensor(frame);
  const peer = sharpResizeNormalize(frame.data as Uint8Array, 1920, 1080, [224, 224], IMAGENET.mean, IMAGENET.std, 1);
  try {
    const ours = () => {
      const [small] = runCpu("resize", "wasm", [fr], { size: [224, 224], mode: "linear", antialias: true });
      runCpu("normalize", "wasm", [small!], IMAGENET).forEach(disposeWasmTensor);
      disposeWasmTensor(small!);
    };
    const r = await compare(ours, () => peer.run(), opts);
    out.push(target("1080p→224 resize+normalize: wasm vs sharp + JS normalize", r.speedup, 1.2, "×", `wasm ${r.ours.medianMs.toFixed(2)} ms, sharp+JS ${r.peer.medianMs.toFixed(2)} ms`));
  } finally {
    peer.restore();
    disposeWasmTensor(fr);
  }
  return out;
}

/** WebGPU normalize over 64M device-resident f32 vs the device's own copy bandwidth. */
async function gpuTarget(gpu: WebGpuBackend | null, mopts: MeasureOptions, say: (m: string) => void): Promise<Target> {
  const name = "webgpu normalize 64M f32: share of device copy bandwidth";
  if (!gpu) return target(name, null, 0.5, "", "no WebGPU adapter on this machine");
  const maxBinding = gpu.limits.maxStorageBufferBindingSize;
  const plane = Math.min(64 << 20, Math.floor(maxBinding / 4)) / 4;
  const hw = Math.floor(Math.sqrt(plane));
  const shape = [4, hw, Math.floor(plane / hw)];
  say(`target: webgpu normalize ${shape.join("×")} f32 (device-resident)`);
  const x = gpu.upload(filled("f32", shape, 0, 1));
  const attrs = { mean: [0.4, 0.4, 0.4, 0.4], std: [0.2, 0.2, 0.2, 0.2], inputLayout: "chw" as const, outputLayout: "chw" as const };
  const bytes = 2 * x.byteLength;
  const norm = await measure(async () => {
    const [y] = await gpu.run("normalize", [x], attrs);
    await gpu.device.queue.onSubmittedWorkDone();
    gpu.release(y!);
  }, mopts);
  const dst = gpu.device.createBuffer({ size: x.buffer.size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST, label: "bench copy probe" });
  const copy = await measure(async () => {
    const enc = gpu.device.createCommandEncoder();
    enc.copyBufferToBuffer(x.buffer, 0, dst, 0, x.byteLength);
    gpu.device.queue.submit([enc.finish()]);
    await gpu.device.queue.onSubmittedWorkDone();
  }, mopts);
  dst.destroy();
  gpu.release(x);
  const ng = bytes / norm.medianMs / 1e6, cg = bytes / copy.medianMs / 1e6;
  const sw = gpu.info.isFallbackAdapter ? " — software adapter: not a GPU measurement" : "";
  const t = target(name, ng / cg, 0.5, "", `${(x.byteLength / 4 / 1e6).toFixed(0)}M f32: normalize ${ng.toFixed(1)} GB/s, buffer copy ${cg.toFixed(1)} GB/s${sw}`);
  // A CPU-emulated adapter says nothing about GPU kernels: report the figure, judge nothing.
  return gpu.info.isFallbackAdapter ? { ...t, pass: null } : t;
}
