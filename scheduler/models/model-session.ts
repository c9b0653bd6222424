/**
 * The narrow contract a backend adapter fulfils so `SessionModel` can give it the lifecycle,
 * feed checks and dtype conversion: onnxruntime-node and onnxruntime-web today, a remote
 * endpoint (KServe v2) later.
 */

import type { ModelDim } from "./model-runtime.js";
import type { RawTensor } from "./onnx-dtypes.js";

/** An input or output as the backend reports it (onnxruntime's element-type names). */
export interface SessionValueInfo {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly ModelDim[];
}

export interface ModelSession {
  readonly inputMetadata: readonly SessionValueInfo[];
  readonly outputMetadata: readonly SessionValueInfo[];
  /** Runs once; returns every output. May be called concurrently. */
  run(feeds: Readonly<Record<string, RawTensor>>): Promise<Record<string, RawTensor>>;
  release(): Promise<void>;
}

/**
 * onnxruntime's dims as `ModelDim`s: onnxruntime-node reports an unnamed dynamic dim as `""`,
 * onnxruntime-web as 2^32-1 (-1 read as unsigned); both become null.
 */
export function normalizeDims(shape: ReadonlyArray<number | string>): ModelDim[] {
  return shape.map((d) => {
    if (typeof d === "string") return d === "" ? null : d;
    return d < 0 || d >= 0xffffffff ? null : d;
  });
}

/** `[N,3,224,224]`, with `?` for unnamed dynamic dims. */
export function dimsToString(shape: readonly ModelDim[]): string {
  return `[${shape.map((d) => (d === null ? "?" : String(d))).join(",")}]`;
}
