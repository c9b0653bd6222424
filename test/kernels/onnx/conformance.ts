/** Shared bits of the ONNX conformance suites: the registry-backed JS reference and shape generators. */

import type { OpAttrs, OpName } from "../../../kernels/op-attrs.js";
import { registerAllKernels } from "../../../kernels/register-all-kernels.js";
import { runCpu } from "../../../kernels/registry.js";
import type { Tensor } from "../../../kernels/tensor.js";
import { randomShape } from "../../helpers/random-tensors.js";

/** Runs the `js` reference of `op` through the registry (validation included). */
export function js<K extends OpName>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K]): Tensor[] {
  registerAllKernels();
  return runCpu(op, "js", inputs, attrs);
}

/**
 * Two shapes that broadcast against each other: ranks 0–4, each axis of one side set to 1 now
 * and then, the shorter side sometimes left-trimmed, and sometimes both sides broadcasting.
 */
export function broadcastPair(rand: () => number): [number[], number[]] {
  const rank = Math.floor(rand() * 5);
  const full = randomShape(rank, rand, 6);
  const a = [...full], b = [...full];
  for (let i = 0; i < rank; i++) {
    const r = rand();
    if (r < 0.2) a[i] = 1;
    else if (r < 0.4) b[i] = 1;
  }
  const trim = Math.floor(rand() * (rank + 1));
  return rand() < 0.5 ? [a, b.slice(trim)] : [a.slice(trim), b];
}

/** A random shape of rank 1–4 with small dims, for the unary and reduction suites. */
export function smallShape(rand: () => number, maxRank = 4, maxDim = 9): number[] {
  return randomShape(1 + Math.floor(rand() * maxRank), rand, maxDim);
}
