/**
 * How built-in functions reach the kernels: anything with the dispatcher's `run`. The executor
 * passes the dispatcher it placed on a device; a function called on its own (a test, a script)
 * falls back to one process-wide CPU dispatcher (wasm, else js), so calling a built-in never
 * acquires a GPU as a side effect.
 */

import { KernelError } from "../../kernels/errors.js";
import type { OpAttrs, OpName } from "../../kernels/op-attrs.js";
import type { Tensor } from "../../kernels/tensor.js";
import { KernelDispatcher } from "../../scheduler/kernel-dispatcher.js";
import { RecordError } from "../api/runtime-errors.js";

export interface KernelRunner {
  run<K extends OpName>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K]): Promise<{ readonly outputs: readonly Tensor[] }>;
}

/** Options every kernel-backed built-in takes. */
export interface KernelOptions {
  /** Default: the shared CPU dispatcher. */
  readonly kernels?: KernelRunner;
}

let shared: Promise<KernelRunner> | undefined;

/** The process-wide CPU dispatcher, created on first use. */
export function defaultKernels(): Promise<KernelRunner> {
  shared ??= KernelDispatcher.create({ webgpu: false }).catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

/**
 * Runs one op for a built-in, turning a kernel's complaint about this input into a RecordError
 * tagged with the step, so the record is dead-lettered with the reason rather than failing the job.
 */
export async function runKernel<K extends OpName>(
  step: string,
  op: K,
  inputs: readonly Tensor[],
  attrs: OpAttrs[K],
  options: KernelOptions = {},
): Promise<Tensor[]> {
  const kernels = options.kernels ?? (await defaultKernels());
  try {
    return [...(await kernels.run(op, inputs, attrs)).outputs];
  } catch (err) {
    // A KernelError already names the op and what was expected; the step rides along for the dead letter.
    if (err instanceof KernelError) throw new RecordError(err.message, { cause: err, step });
    throw err;
  }
}
