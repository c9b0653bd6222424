/**
 * The scope of one wasm kernel call: where the inputs are (in place when resident, copied in
 * otherwise), scratch and parameter blocks, and the outputs. Temporaries are freed when the call
 * ends; on an error the outputs are freed too.
 */

import { getWasm, type SluiceWasm, type WasmKernelExports } from "../../wasm/loader.js";
import { KernelError } from "../errors.js";
import type { DType, Tensor, TensorInfo } from "../tensor.js";
import { WasmTensor } from "./wasm-tensor.js";

/**
 * The wasm address of a tensor's elements when they already live in wasm memory (a WasmTensor,
 * or any typed array viewing the module's memory), else undefined.
 */
export function residentPtr(t: Tensor, w: SluiceWasm = getWasm()): number | undefined {
  if (t instanceof WasmTensor) {
    if (t.disposed) throw new KernelError("wasm", `input ${t.dtype}[${t.shape.join(",")}] was disposed`);
    return t.ptr;
  }
  const d = t.data;
  return d.buffer === w.memory.buffer ? d.byteOffset : undefined;
}

export class WasmCall {
  readonly wasm: SluiceWasm;
  readonly fn: WasmKernelExports;
  private readonly temps: number[] = [];
  private readonly outs: WasmTensor[] = [];

  constructor() {
    this.wasm = getWasm();
    this.fn = this.wasm.exports;
  }

  /**
   * Addresses of the inputs. Call this before any other allocation of the call: residency is
   * judged by the memory's current buffer, which an allocation may replace.
   */
  inputs(ts: readonly Tensor[]): number[] {
    const ptrs = ts.map((t) => residentPtr(t, this.wasm));
    return ts.map((t, i) => {
      const p = ptrs[i];
      if (p !== undefined) return p;
      const d = t.data;
      const ptr = this.temp(d.byteLength);
      new Uint8Array(this.wasm.memory.buffer, ptr, d.byteLength).set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      return ptr;
    });
  }

  /** Scratch of `bytes` bytes, freed when the call ends. */
  temp(bytes: number): number {
    const ptr = this.wasm.heap.alloc(bytes);
    this.temps.push(ptr);
    return ptr;
  }

  /** A temporary block holding `values` as f32. */
  f32s(values: ArrayLike<number>): number {
    const ptr = this.temp(values.length * 4);
    new Float32Array(this.wasm.memory.buffer, ptr, values.length).set(values);
    return ptr;
  }

  /** A temporary block holding `values` as i32. */
  i32s(values: ArrayLike<number>): number {
    const ptr = this.temp(values.length * 4);
    new Int32Array(this.wasm.memory.buffer, ptr, values.length).set(values);
    return ptr;
  }

  /** A new output tensor (uninitialized). */
  output<D extends DType>(info: TensorInfo & { dtype: D }): WasmTensor<D> {
    const t = WasmTensor.empty(info.dtype, info.shape);
    this.outs.push(t);
    return t;
  }

  /** Copies `bytes` bytes inside wasm memory (memmove). */
  copy(dst: number, src: number, bytes: number): void {
    new Uint8Array(this.wasm.memory.buffer).copyWithin(dst, src, src + bytes);
  }

  end(failed: boolean): void {
    for (const p of this.temps) this.wasm.heap.free(p);
    this.temps.length = 0;
    if (failed) for (const t of this.outs) t.dispose();
  }
}

/** Runs `body` in a call scope: temporaries freed after, outputs freed on error. */
export function wasmCall<T>(body: (call: WasmCall) => T): T {
  const call = new WasmCall();
  let failed = true;
  try {
    const r = body(call);
    failed = false;
    return r;
  } finally {
    call.end(failed);
  }
}
