/**
 * `sluice demo`: the image-classification pipeline on generated data (pipeline-demo.ts).
 * `sluice demo --kernels`: a kernel demo — a 1080p frame through resize → normalize → a small
 * linear classifier → softmax → top-k on the backend the dispatcher picks (or `--backend`), each
 * step checked against the JS reference.
 */

import { performance } from "node:perf_hooks";
import { runCpu, type Backend } from "../../kernels/registry.js";
import type { OpAttrs, OpName } from "../../kernels/op-attrs.js";
import { tensor, type Tensor } from "../../kernels/tensor.js";
import { KernelDispatcher } from "../../scheduler/kernel-dispatcher.js";
import { SluiceError } from "../../kernels/errors.js";
import { parseArgs } from "./args.js";
import { runPipelineDemo } from "./pipeline-demo.js";
import { formatTable, ms } from "./table.js";

/** A deterministic 8-bit RGB test card: gradients plus a checkerboard, so resizing has edges to keep. */
export function testCard(width: number, height: number): Tensor<"u8"> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const check = ((x >> 5) ^ (y >> 5)) & 1;
      data[i] = (x * 255) / (width - 1);
      data[i + 1] = (y * 255) / (height - 1);
      data[i + 2] = check ? 220 : 30;
    }
  }
  return tensor("u8", [height, width, 3], data);
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

export async function demoCommand(args: string[]): Promise<number> {
  const parsed = parseArgs("demo", args, { values: ["backend", "images", "dir", "batch"], booleans: ["kernels"] });
  if (!parsed.flags.has("kernels")) {
    const images = Number(parsed.values.get("images") ?? 48);
    const batchRows = Number(parsed.values.get("batch") ?? 16);
    if (!Number.isInteger(images) || images < 1) throw new SluiceError(`demo: --images must be a positive integer, got '${parsed.values.get("images")}'`);
    if (!Number.isInteger(batchRows) || batchRows < 1) throw new SluiceError(`demo: --batch must be a positive integer, got '${parsed.values.get("batch")}'`);
    return runPipelineDemo({ images, batchRows, dir: parsed.values.get("dir") });
  }
  return kernelDemo(parsed.values.get("backend"));
}

async function kernelDemo(backendFlag: string | undefined): Promise<number> {
  const parsed = { values: new Map([["backend", backendFlag]].filter((e): e is [string, string] => e[1] !== undefined)) };
  const forced = parsed.values.get("backend") as Backend | undefined;
  if (forced && !["js", "wasm", "webgpu"].includes(forced)) {
    console.error(`demo: --backend must be js, wasm or webgpu, got '${forced}'`);
    return 2;
  }
  const d = await KernelDispatcher.create({ policy: forced ? { force: forced } : {} });
  const rows: (string | number)[][] = [];
  let ok = true;
  const step = async <K extends OpName>(label: string, op: K, inputs: Tensor[], attrs: OpAttrs[K], tol: number): Promise<Tensor[]> => {
    const t0 = performance.now();
    const { outputs, backend } = await d.run(op, inputs, attrs);
    const took = performance.now() - t0;
    const ref = runCpu(op, "js", inputs, attrs);
    const diff = Math.max(...outputs.map((o, i) => maxAbsDiff(o, ref[i]!)));
    ok &&= diff <= tol;
    rows.push([label, backend, `[${outputs[0]!.shape.join("×")}] ${outputs[0]!.dtype}`, ms(took), diff <= tol ? `ok (max |Δ| ${diff.toPrecision(2)})` : `MISMATCH (max |Δ| ${diff})`]);
    return outputs;
  };
  try {
    const gpu = d.webgpu;
    console.log(`sluice demo — devices: webgpu ${gpu ? `${gpu.info.vendor || "?"} ${gpu.info.architecture || ""}${gpu.info.isFallbackAdapter ? " (software)" : ""}` : "none"}, wasm ${d.availability.wasm ? "SIMD" : "unavailable"}\n`);
    const frame = testCard(1920, 1080);
    const [small] = await step("resize 1080p → 224×224 (antialias)", "resize", [frame], { size: [224, 224], mode: "linear", antialias: true }, 1);
    const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
    const [chw] = await step("normalize u8 HWC → f32 CHW", "normalize", [small!], { mean, std }, 1e-4);
    // A fixed "classifier": 10 classes scoring the mean of each channel, so the result is reproducible.
    const plane = 224 * 224;
    const channelMean = (c: number): number => {
      let s = 0;
      for (let i = c * plane; i < (c + 1) * plane; i++) s += chw!.data[i]!;
      return s / plane;
    };
    const features = tensor("f32", [1, 3], [0, 1, 2].map(channelMean));
    const weights = tensor("f32", [3, 10], Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7)));
    const [logits] = await step("matmul features × weights", "matmul", [features, weights], {}, 1e-4);
    const [probs] = await step("softmax", "softmax", [logits!], {}, 1e-6);
    const [values, indices] = await step("top-3", "topk", [probs!], { k: 3 }, 0);
    console.log(formatTable(rows, { columns: ["step", "backend", "output", "time", "vs js reference"] }));
    console.log(`\ntop-3 classes: ${[...indices!.data].map((c, i) => `#${c} (${(values!.data[i]! * 100).toFixed(1)}%)`).join(", ")}`);
    console.log(ok ? "\nall steps match the JS reference" : "\nSOME STEPS DIFFER FROM THE JS REFERENCE");
    return ok ? 0 : 1;
  } finally {
    d.destroy();
  }
}
