/** A scripted `ModelSession` for lifecycle tests: records every call and lets a test hold a run open. */

import type { ModelSession, SessionValueInfo } from "../../../scheduler/models/model-session.js";
import type { RawTensor } from "../../../scheduler/models/onnx-dtypes.js";

export interface FakeSession extends ModelSession {
  /** Feed shapes of every run, in call order. */
  readonly calls: Record<string, readonly number[]>[];
  released: boolean;
  /** While set, runs wait for `release()` of the gate before answering. */
  gate: Gate | undefined;
}

export interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

/** One float32 input `x [N, width]`; the output `y` is `x * 2` with the same shape. */
export function fakeSession(opts: { width?: number; inputs?: SessionValueInfo[]; outputs?: SessionValueInfo[] } = {}): FakeSession {
  const width = opts.width ?? 3;
  const s: FakeSession = {
    inputMetadata: opts.inputs ?? [{ name: "x", type: "float32", shape: ["N", width] }],
    outputMetadata: opts.outputs ?? [{ name: "y", type: "float32", shape: ["N", width] }],
    calls: [],
    released: false,
    gate: undefined,
    async run(feeds) {
      s.calls.push(Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, t.dims])));
      if (s.gate) await s.gate.opened;
      const x = feeds.x as RawTensor;
      return { y: { type: "float32", dims: x.dims, data: Float32Array.from(x.data as Float32Array, (v) => v * 2) } };
    },
    async release() {
      s.released = true;
    },
  };
  return s;
}
