/**
 * The part of an onnxruntime `InferenceSession` that onnxruntime-node and onnxruntime-web share,
 * adapted to `ModelSession`. Each package brings its own `Tensor` class (and its own copy of
 * onnxruntime-common), so tensors are made with the constructor of the package that runs them.
 */

import type { InferenceSession, Tensor as OrtTensor } from "onnxruntime-web";
import type { ModelSession, SessionValueInfo } from "./model-session.js";
import { normalizeDims } from "./model-session.js";
import type { RawData, RawTensor } from "./onnx-dtypes.js";

/** The `Tensor` constructor of one onnxruntime package, as the adapter calls it. */
export type OrtTensorConstructor = new (type: OrtTensor.Type, data: RawData, dims: readonly number[]) => OrtTensor;

/** Thrown for a non-tensor input or output (sequence, map); the loader turns it into a load error. */
export class NonTensorValueError extends Error {}

export function adaptOrtSession(session: InferenceSession, Tensor: OrtTensorConstructor): ModelSession {
  const info = (kind: string, m: InferenceSession.ValueMetadata): SessionValueInfo => {
    if (!m.isTensor) throw new NonTensorValueError(`${kind} '${m.name}' is not a tensor (a sequence or map)`);
    return { name: m.name, type: m.type, shape: normalizeDims(m.shape) };
  };
  return {
    inputMetadata: session.inputMetadata.map((m) => info("input", m)),
    outputMetadata: session.outputMetadata.map((m) => info("output", m)),
    async run(feeds) {
      const ortFeeds: Record<string, OrtTensor> = {};
      for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new Tensor(t.type as OrtTensor.Type, t.data, t.dims);
      const res = await session.run(ortFeeds);
      const out: Record<string, RawTensor> = {};
      for (const [k, v] of Object.entries(res)) {
        const t = v as OrtTensor;
        if (t.type === "string") throw new Error(`output '${k}' is a string tensor`);
        out[k] = { type: t.type, dims: t.dims, data: t.data as RawData };
      }
      return out;
    },
    release: () => session.release(),
  };
}
