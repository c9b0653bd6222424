/**
 * Runs in Chromium (loaded by kernels-page.html, transpiled by static-server.ts): imports the
 * compiled kernels from /dist/ exactly as a browser app would, runs every case of
 * kernel-cases.ts on `webgpu` (navigator.gpu) and `wasm` (sluice.wasm fetched by the loader) and
 * on the `js` reference, and returns plain data. The comparison happens on the Node side with the
 * shared test helpers, so a mismatch reports the same way as in the Node conformance suites.
 */

import { registerAllKernels } from "../../dist/kernels/register-all-kernels.js";
import { registeredKernels, runCpu } from "../../dist/kernels/registry.js";
import type { Tensor } from "../../dist/kernels/tensor.js";
import { getGpu, WebGpuBackend } from "../../dist/scheduler/webgpu/index.js";
import { wasmFeatures, type WasmFeatures } from "../../dist/wasm/features.js";
import { loadWasm } from "../../dist/wasm/loader.js";
import { KERNEL_CASES } from "./kernel-cases.js";

/** A tensor as plain JSON-able data (page.evaluate cannot return typed arrays portably). */
export interface TensorData {
  dtype: Tensor["dtype"];
  shape: number[];
  data: number[];
}

export interface BackendRun {
  outputs?: TensorData[];
  error?: string;
  ms: number;
}

export interface CaseReport {
  name: string;
  reference: BackendRun;
  webgpu: BackendRun;
  wasm: BackendRun;
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface PageReport {
  userAgent: string;
  isSecureContext: boolean;
  /** What `navigator.gpu.requestAdapter()` gave, or null. */
  adapter: AdapterReport | null;
  /** sluice's device acquisition picked navigator.gpu (not the Node `webgpu` package). */
  sluiceUsesNavigatorGpu: boolean;
  webgpuCreateError?: string;
  webgpuUncapturedError?: string;
  webgpuDispatches: number;
  wasm: {
    features: WasmFeatures;
    /** Chromium validates the built sluice.wasm (which is compiled with SIMD). */
    moduleValidates: boolean;
    /** `loadWasm()` without a source failed (the loader's own lookup of sluice.wasm). */
    defaultLoadError?: string;
    /** Loading failed even from the explicit URL of the built module. */
    loadError?: string;
    /** Ops the registry has on the wasm backend. */
    ops: string[];
  };
  cases: CaseReport[];
}

function toData(t: Tensor): TensorData {
  return { dtype: t.dtype, shape: [...t.shape], data: Array.from(t.data) };
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e);
}

async function timed(fn: () => Promise<Tensor[]> | Tensor[]): Promise<BackendRun> {
  const t0 = performance.now();
  try {
    const outputs = (await fn()).map(toData);
    return { outputs, ms: performance.now() - t0 };
  } catch (e) {
    return { error: describeError(e), ms: performance.now() - t0 };
  }
}

async function adapterReport(): Promise<AdapterReport | null> {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    isFallbackAdapter: Boolean(info.isFallbackAdapter),
  };
}

const SLUICE_WASM_URL = new URL("../../wasm/build/sluice.wasm", import.meta.url);

async function wasmModuleValidates(): Promise<boolean> {
  const r = await fetch(SLUICE_WASM_URL);
  return r.ok && WebAssembly.validate(await r.arrayBuffer());
}

/** Everything the Node test asserts on, gathered in one call. */
export async function runKernelChecks(): Promise<PageReport> {
  registerAllKernels();
  const adapter = await adapterReport();
  const sluiceUsesNavigatorGpu = navigator.gpu !== undefined && (await getGpu()) === navigator.gpu;

  let gpu: WebGpuBackend | null = null;
  let webgpuCreateError: string | undefined;
  try {
    gpu = await WebGpuBackend.create();
    if (!gpu) webgpuCreateError = "WebGpuBackend.create() returned null (no adapter)";
  } catch (e) {
    webgpuCreateError = describeError(e);
  }

  let defaultLoadError: string | undefined;
  let loadError: string | undefined;
  try {
    // No `source`: the loader must find sluice.wasm on its own, as in an app using dist/.
    await loadWasm();
  } catch (e) {
    defaultLoadError = describeError(e);
    // Reported on its own; an explicit URL still lets the kernels be checked (a failed load
    // leaves the loader free to try again).
    try {
      await loadWasm({ source: SLUICE_WASM_URL });
    } catch (e2) {
      loadError = describeError(e2);
    }
  }

  const cases: CaseReport[] = [];
  for (const c of KERNEL_CASES) {
    const inputs = c.inputs();
    const reference = await timed(() => runCpu(c.op, "js", inputs, c.attrs));
    const backend = gpu;
    const webgpu = await timed(async () => {
      if (!backend) throw new Error(`no webgpu backend: ${webgpuCreateError}`);
      const outs = await backend.run(c.op, inputs, c.attrs);
      try {
        return await Promise.all(outs.map((o) => backend.read(o)));
      } finally {
        for (const o of outs) backend.release(o);
      }
    });
    const wasm = await timed(() => {
      if (loadError !== undefined) throw new Error(`wasm not loaded: ${loadError}`);
      return runCpu(c.op, "wasm", inputs, c.attrs);
    });
    cases.push({ name: c.name, reference, webgpu, wasm });
  }

  const report: PageReport = {
    userAgent: navigator.userAgent,
    isSecureContext: globalThis.isSecureContext,
    adapter,
    sluiceUsesNavigatorGpu,
    webgpuDispatches: gpu?.stats.dispatches ?? 0,
    wasm: {
      features: wasmFeatures(),
      moduleValidates: await wasmModuleValidates(),
      ops: registeredKernels().filter((k) => k.backend === "wasm").map((k) => k.op),
    },
    cases,
  };
  if (webgpuCreateError !== undefined) report.webgpuCreateError = webgpuCreateError;
  if (gpu?.lastUncapturedError !== undefined) report.webgpuUncapturedError = gpu.lastUncapturedError;
  if (defaultLoadError !== undefined) report.wasm.defaultLoadError = defaultLoadError;
  if (loadError !== undefined) report.wasm.loadError = loadError;
  gpu?.destroy();
  return report;
}
