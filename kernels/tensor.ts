/**
 * The plain tensor that crosses every layer boundary: `{ dtype, shape, data }`.
 * Arrow columns (runtime/types), WASM-resident buffers and GPU read-backs all map to it.
 */

import { KernelError } from "./errors.js";

/** Element types the kernel catalog supports. u8 for pixels, i32 for indices, f32 for math. */
export type DType = "u8" | "i32" | "f32";

export const DTYPES: readonly DType[] = ["u8", "i32", "f32"];

/** The typed array that stores elements of `D`. */
export type TypedArrayFor<D extends DType> = D extends "u8"
  ? Uint8Array
  : D extends "i32"
    ? Int32Array
    : Float32Array;

export type TensorData = Uint8Array | Int32Array | Float32Array;

/** Shape and dtype without data: what shape inference and program builders see. */
export interface TensorInfo {
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** A dense, row-major tensor. `data.length` equals the product of `shape`. */
export interface Tensor<D extends DType = DType> extends TensorInfo {
  readonly dtype: D;
  readonly data: TypedArrayFor<D>;
}

/** Number of elements in a shape (1 for a scalar `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function bytesPerElement(dtype: DType): number {
  return dtype === "u8" ? 1 : 4;
}

/** Allocates a zeroed typed array for `n` elements of `dtype`. */
export function allocData<D extends DType>(dtype: D, n: number): TypedArrayFor<D> {
  switch (dtype) {
    case "u8":
      return new Uint8Array(n) as TypedArrayFor<D>;
    case "i32":
      return new Int32Array(n) as TypedArrayFor<D>;
    default:
      return new Float32Array(n) as TypedArrayFor<D>;
  }
}

/** The dtype a typed array stores, or undefined for an unsupported array type. */
export function dtypeOfData(data: ArrayBufferView): DType | undefined {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "u8";
  if (data instanceof Int32Array) return "i32";
  if (data instanceof Float32Array) return "f32";
  return undefined;
}

/** Builds a tensor, allocating zeroed data when none is given. Validates length against shape. */
export function tensor<D extends DType>(
  dtype: D,
  shape: readonly number[],
  data?: TypedArrayFor<D> | ArrayLike<number>,
): Tensor<D> {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`tensor: bad dimension ${d} in shape [${shape.join(",")}]`);
  }
  const n = sizeOf(shape);
  let arr: TypedArrayFor<D>;
  if (data === undefined) arr = allocData(dtype, n);
  else if (dtypeOfData(data as ArrayBufferView) === dtype && ArrayBuffer.isView(data)) arr = data as TypedArrayFor<D>;
  else {
    arr = allocData(dtype, n);
    (arr as unknown as { set(a: ArrayLike<number>): void }).set(data);
  }
  if (arr.length !== n) {
    throw new RangeError(`tensor: data has ${arr.length} elements but shape [${shape.join(",")}] needs ${n}`);
  }
  return { dtype, shape: [...shape], data: arr };
}

/** Row-major strides of a shape, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Resolves a possibly negative axis against a rank, throwing on out-of-range. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= Math.max(rank, 1)) {
    throw new KernelError(op, `axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
