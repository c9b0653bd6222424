/** `sluice devices [--json]`: what this machine offers each backend, and what sluice will pick. */

import { writeFileSync } from "node:fs";
import { KernelDispatcher } from "../../scheduler/kernel-dispatcher.js";
import { wasmFeatures } from "../../wasm/features.js";
import { parseArgs } from "./args.js";
import { formatTable } from "./table.js";

export interface DevicesReport {
  webgpu: {
    available: boolean;
    adapter?: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean };
    limits?: Record<string, number>;
    note?: string;
  };
  wasm: { available: boolean; simd: boolean; threads: boolean };
  js: { available: true };
  /** Backend chosen for a large (1M-element) elementwise op and for a small (1k) one. */
  defaults: { large: string; small: string };
  policy: string;
}

export async function collectDevices(): Promise<DevicesReport> {
  const d = await KernelDispatcher.create({ warn: () => {} });
  try {
    const gpu = d.webgpu;
    const feats = wasmFeatures();
    const big = { dtype: "f32" as const, shape: [1 << 20], data: new Float32Array(0) };
    const small = { dtype: "f32" as const, shape: [1024], data: new Float32Array(0) };
    return {
      webgpu: gpu
        ? { available: true, adapter: { ...gpu.info }, limits: { ...gpu.limits } }
        : { available: false, note: "no WebGPU adapter (no GPU and no Vulkan driver Dawn accepts; see README)" },
      wasm: { available: d.availability.wasm, simd: feats.simd, threads: feats.threads },
      js: { available: true },
      defaults: { large: d.choose("add", [big, big]), small: d.choose("add", [small, small]) },
      policy: gpu?.info.isFallbackAdapter
        ? "webgpu → wasm → js; this adapter is software, so webgpu is used only when forced (SLUICE_BACKEND=webgpu)"
        : "webgpu (inputs ≥ 65536 elements) → wasm → js; override with SLUICE_BACKEND",
    };
  } finally {
    d.destroy();
  }
}

export async function devicesCommand(args: string[]): Promise<number> {
  const parsed = parseArgs("devices", args, { booleans: ["json"], values: ["out"] });
  const report = await collectDevices();
  if (parsed.flags.has("json")) {
    const text = JSON.stringify(report, null, 2);
    if (parsed.values.has("out")) writeFileSync(parsed.values.get("out")!, text + "\n");
    else console.log(text);
    return 0;
  }
  const g = report.webgpu;
  console.log("WebGPU");
  if (g.adapter) {
    console.log(formatTable([[g.adapter.vendor || "?", g.adapter.architecture || "?", g.adapter.description || g.adapter.device || "?", g.adapter.isFallbackAdapter ? "yes (software)" : "no"]], {
      columns: ["vendor", "architecture", "description", "fallback"],
    }));
    console.log("\n  key limits");
    console.log(formatTable(Object.entries(g.limits ?? {}).map(([k, v]) => [k, v]), { columns: ["limit", "value"], indent: "    " }));
  } else {
    console.log(`  none: ${g.note}`);
  }
  console.log("\nCPU");
  console.log(formatTable([
    ["wasm", report.wasm.available, report.wasm.simd, report.wasm.threads],
    ["js", true, false, false],
  ], { columns: ["backend", "available", "SIMD", "threads"] }));
  console.log(`\nDefault choice: ${report.defaults.large} for large inputs, ${report.defaults.small} for small ones`);
  console.log(`Policy: ${report.policy}`);
  return 0;
}
