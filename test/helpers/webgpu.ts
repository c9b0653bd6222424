/**
 * WebGPU test support: one backend per test file (vitest isolates modules per file), created on
 * first use. Without an adapter the WebGPU suites skip locally but fail under CI, where a
 * silently skipped GPU suite would hide a broken setup.
 */

import { expect } from "vitest";
import type { OpAttrs, OpName } from "../../kernels/op-attrs.js";
import { registerAllKernels } from "../../kernels/register-all-kernels.js";
import { runCpu } from "../../kernels/registry.js";
import type { Tensor } from "../../kernels/tensor.js";
import { WebGpuBackend, type GpuInput } from "../../scheduler/webgpu/index.js";
import { expectTensorClose, type Tolerance } from "./assert-close.js";

let shared: Promise<WebGpuBackend | null> | undefined;

/**
 * The file's shared backend, or null (skip) when there is no adapter. Throws when `CI` is set
 * and no adapter is found. Use with top-level await and `describe.skipIf(!gpu)`.
 */
export async function webgpuForTests(): Promise<WebGpuBackend | null> {
  registerAllKernels();
  shared ??= WebGpuBackend.create();
  const backend = await shared;
  if (!backend && process.env.CI) {
    throw new Error("no WebGPU adapter found under CI: the WebGPU suites must run there, not skip (install a Vulkan driver such as Mesa llvmpipe)");
  }
  return backend;
}

/** Runs `op` on the GPU and reads every output back, releasing the device tensors. */
export async function runGpu<K extends OpName>(gpu: WebGpuBackend, op: K, inputs: readonly GpuInput[], attrs: OpAttrs[K]): Promise<Tensor[]> {
  const outs = await gpu.run(op, inputs, attrs);
  try {
    return await Promise.all(outs.map((o) => gpu.read(o)));
  } finally {
    for (const o of outs) gpu.release(o);
  }
}

/** Asserts that `op` on the GPU matches the `js` reference on the same inputs. */
export async function expectGpuMatchesJs<K extends OpName>(
  gpu: WebGpuBackend,
  op: K,
  inputs: readonly Tensor[],
  attrs: OpAttrs[K],
  tol: Tolerance = {},
  label = "",
): Promise<void> {
  const expected = runCpu(op, "js", inputs, attrs);
  const actual = await runGpu(gpu, op, inputs, attrs);
  expect(actual.length, `${label} output count`).toBe(expected.length);
  const shapes = inputs.map((t) => `${t.dtype}[${t.shape.join(",")}]`).join(" ");
  actual.forEach((a, i) => expectTensorClose(a, expected[i]!, tol, `${op} ${label} ${shapes} ${JSON.stringify(attrs)} output ${i}`));
}
