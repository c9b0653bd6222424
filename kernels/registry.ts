/**
 * The kernel registry: `(op, backend) → implementation`. Kernels are registered from one explicit
 * list (register-all-kernels.ts), in the manner of tfjs' register_all_kernels, so what exists is
 * readable in one place and nothing registers itself by import side effect.
 */

import { KernelNotFoundError } from "./errors.js";
import type { OpAttrs, OpName } from "./op-attrs.js";
import { checkOp, type AttrsOf } from "./op-specs.js";
import type { Tensor, TensorInfo } from "./tensor.js";
import type { ProgramInfo } from "./webgpu/program-info.js";

export type Backend = "js" | "wasm" | "webgpu";
export const BACKENDS: readonly Backend[] = ["js", "wasm", "webgpu"];

/**
 * A CPU kernel computes synchronously. It receives inputs that passed `checkOp` and attributes
 * with defaults filled; `outputs` are the inferred output infos.
 */
export interface CpuKernel<K extends OpName = OpName> {
  op: K;
  backend: "js" | "wasm";
  run(inputs: readonly Tensor[], attrs: AttrsOf<K>, outputs: readonly TensorInfo[]): Tensor[];
}

/** A GPU kernel describes a WGSL program; the scheduler compiles, caches and dispatches it. */
export interface GpuKernel<K extends OpName = OpName> {
  op: K;
  backend: "webgpu";
  program(inputs: readonly TensorInfo[], attrs: AttrsOf<K>, outputs: readonly TensorInfo[]): ProgramInfo;
}

export type Kernel<K extends OpName = OpName> = CpuKernel<K> | GpuKernel<K>;

const kernels = new Map<string, Kernel>();
const keyOf = (op: string, backend: Backend): string => `${op}|${backend}`;

/** Adds a kernel; registering the same (op, backend) twice is a programming error. */
export function registerKernel<K extends OpName>(kernel: Kernel<K>): void {
  const key = keyOf(kernel.op, kernel.backend);
  if (kernels.has(key)) throw new Error(`kernel ${key} is registered twice`);
  kernels.set(key, kernel as unknown as Kernel);
}

export function findKernel<K extends OpName>(op: K, backend: Backend): Kernel<K> | undefined {
  return kernels.get(keyOf(op, backend)) as Kernel<K> | undefined;
}

export function getKernel<K extends OpName>(op: K, backend: Backend): Kernel<K> {
  const k = findKernel(op, backend);
  if (!k) throw new KernelNotFoundError(op, backend);
  return k;
}

export function hasKernel(op: OpName, backend: Backend): boolean {
  return kernels.has(keyOf(op, backend));
}

/** Every registered (op, backend) pair, for `sluice devices` and coverage tests. */
export function registeredKernels(): { op: OpName; backend: Backend }[] {
  return [...kernels.values()].map((k) => ({ op: k.op, backend: k.backend }));
}

/**
 * Validates and runs an op on a CPU backend (`js` or `wasm`). The wasm module must be loaded
 * first (`loadWasm()` from wasm/loader). For `webgpu`, use the scheduler's dispatcher.
 */
export function runCpu<K extends OpName>(op: K, backend: "js" | "wasm", inputs: readonly Tensor[], attrs: OpAttrs[K]): Tensor[] {
  const checked = checkOp(op, inputs, attrs);
  const kernel = getKernel(op, backend) as CpuKernel<K>;
  return kernel.run(inputs, checked.attrs, checked.outputs);
}

/** Typed constructor for a CPU kernel: `attrs` is the op's resolved attribute type. */
export function cpuKernel<K extends OpName>(
  op: K,
  backend: "js" | "wasm",
  run: (inputs: readonly Tensor[], attrs: AttrsOf<K>, outputs: readonly TensorInfo[]) => Tensor[],
): Kernel {
  return { op, backend, run } as unknown as Kernel;
}

/** Typed constructor for a WebGPU kernel. */
export function gpuKernel<K extends OpName>(
  op: K,
  program: (inputs: readonly TensorInfo[], attrs: AttrsOf<K>, outputs: readonly TensorInfo[]) => ProgramInfo,
): Kernel {
  return { op, backend: "webgpu", program } as unknown as Kernel;
}
