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
    // Not async, and no Object.entries: this runs once per model call, and each async layer or
    // entries array costs about as much as onnxruntime's own JS bookkeeping for a small model.
    run(feeds) {
      try {
        const ortFeeds: Record<string, OrtTensor> = {};
        for (const k in feeds) {
          const t = feeds[k]!;
          ortFeeds[k] = new Tensor(t.type as OrtTensor.Type, t.data, t.dims);
        }
        // onnxruntime's output tensors already are RawTensors (type, dims, and data, which
        // throws for a tensor not on the CPU), and SessionModel converts every one: handed over
        // as they are, without a promise hop and a copy of each per call. A string tensor fails
        // that conversion (no sluice dtype).
        return session.run(ortFeeds) as Promise<InferenceSession.ReturnType> as unknown as Promise<Record<string, RawTensor>>;
      } catch (e) {
        return Promise.reject(e);
      }
    },
    release: () => session.release(),
  };
}
