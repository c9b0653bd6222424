/**
 * A tensor whose elements live in wasm memory. Kernels of the `wasm` backend use such inputs in
 * place and return their outputs as WasmTensors, so a chain of wasm kernels never copies data
 * between JS and wasm memory (copying 16 MB in costs more than most kernels).
 *
 * `data` is a view over the memory's current buffer. Growing wasm memory detaches every earlier
 * view; the getter notices and makes a new one, so `t.data` is always valid — but a view taken
 * from it earlier may not be, so do not hold on to `t.data` across kernel calls.
 *
 * Free the memory with `dispose()`. A WasmTensor that is garbage-collected undisposed is freed by
 * a FinalizationRegistry, which is a safety net only: the collector may run late (or never), and
 * any view of `data` still held then points at memory that will be reused.
 */

import { getWasm } from "../../wasm/loader.js";
import type { WasmHeap } from "../../wasm/wasm-heap.js";
import { KernelError } from "../errors.js";
import { bytesPerElement, shapeToString, sizeOf, type DType, type Tensor, type TypedArrayFor } from "../tensor.js";

interface Held {
  heap: WasmHeap;
  ptr: number;
}

const finalizer = new FinalizationRegistry<Held>((h) => h.heap.free(h.ptr));

function viewOf<D extends DType>(dtype: D, buffer: ArrayBuffer, ptr: number, n: number): TypedArrayFor<D> {
  switch (dtype) {
    case "u8":
      return new Uint8Array(buffer, ptr, n) as TypedArrayFor<D>;
    case "i32":
      return new Int32Array(buffer, ptr, n) as TypedArrayFor<D>;
    default:
      return new Float32Array(buffer, ptr, n) as TypedArrayFor<D>;
  }
}

export class WasmTensor<D extends DType = DType> implements Tensor<D> {
  readonly dtype: D;
  readonly shape: readonly number[];
  /** Byte address of element 0 in wasm memory. */
  readonly ptr: number;
  /** Number of elements. */
  readonly size: number;
  readonly #heap: WasmHeap;
  #view: TypedArrayFor<D> | undefined;
  #disposed = false;

  private constructor(heap: WasmHeap, dtype: D, shape: readonly number[], ptr: number) {
    this.#heap = heap;
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.ptr = ptr;
    this.size = sizeOf(shape);
    finalizer.register(this, { heap, ptr }, this);
  }

  /** A tensor with uninitialized contents (the wasm module must be loaded). */
  static empty<D extends DType>(dtype: D, shape: readonly number[]): WasmTensor<D> {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new RangeError(`WasmTensor: bad dimension ${d} in shape ${shapeToString(shape)}`);
    }
    const heap = getWasm().heap;
    return new WasmTensor(heap, dtype, shape, heap.alloc(sizeOf(shape) * bytesPerElement(dtype)));
  }

  /** A zero-filled tensor. */
  static zeros<D extends DType>(dtype: D, shape: readonly number[]): WasmTensor<D> {
    const t = WasmTensor.empty(dtype, shape);
    new Uint8Array(t.#heap.buffer, t.ptr, t.byteLength).fill(0);
    return t;
  }

  /** Copies a tensor into wasm memory. */
  static from<D extends DType>(t: Tensor<D>): WasmTensor<D> {
    const out = WasmTensor.empty(t.dtype, t.shape);
    const src = t.data;
    if (src.length !== out.size) throw KernelError.mismatch("WasmTensor.from", "data length", String(out.size), String(src.length));
    new Uint8Array(out.#heap.buffer, out.ptr, out.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    return out;
  }

  get byteLength(): number {
    return this.size * bytesPerElement(this.dtype);
  }

  /** A view of the elements over the memory's current buffer (valid until memory next grows). */
  get data(): TypedArrayFor<D> {
    if (this.#disposed) throw new KernelError("WasmTensor", `data of a disposed tensor ${this.dtype}${shapeToString(this.shape)}`);
    const buffer = this.#heap.buffer;
    if (this.#view === undefined || this.#view.buffer !== buffer) this.#view = viewOf(this.dtype, buffer, this.ptr, this.size);
    return this.#view;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Frees the memory now; the tensor must not be used afterwards. Disposing twice is a no-op. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#view = undefined;
    finalizer.unregister(this);
    this.#heap.free(this.ptr);
  }

  /** A plain tensor with a copy of the data in JS memory. */
  toTensor(): Tensor<D> {
    return { dtype: this.dtype, shape: [...this.shape], data: this.data.slice() as TypedArrayFor<D> };
  }
}
