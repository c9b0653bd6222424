/**
 * Element types of tensor-valued columns and their Arrow and typed-array counterparts.
 *
 * The kernel catalog computes on u8 / i32 / f32 (kernels/tensor.ts); Arrow data arriving from
 * other tools often carries f64 or i64 tensors, so columns may hold a wider set. `ArrowTensor`
 * is the kernel `Tensor` widened to that set; `toKernelTensor` narrows it back where a kernel
 * needs one.
 */

import {
  DataType,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  Precision,
  Uint16,
  Uint32,
  Uint8,
  type Float,
  type Int,
} from "apache-arrow";
import type { DType, Tensor } from "../../kernels/tensor.js";
import { TypeMismatchError } from "./type-errors.js";

/** Element types a tensor column may hold. The first three are the kernel dtypes. */
export type ElementType = "u8" | "i32" | "f32" | "i8" | "u16" | "i16" | "u32" | "i64" | "f64";

export const ELEMENT_TYPES: readonly ElementType[] = ["u8", "i32", "f32", "i8", "u16", "i16", "u32", "i64", "f64"];

/** The typed array that stores elements of `E`. */
export type ElementArrayFor<E extends ElementType> = E extends "u8"
  ? Uint8Array
  : E extends "i32"
    ? Int32Array
    : E extends "f32"
      ? Float32Array
      : E extends "i8"
        ? Int8Array
        : E extends "u16"
          ? Uint16Array
          : E extends "i16"
            ? Int16Array
            : E extends "u32"
              ? Uint32Array
              : E extends "i64"
                ? BigInt64Array
                : Float64Array;

export type ElementArray = ElementArrayFor<ElementType>;

/**
 * A dense row-major tensor over any column element type. For u8/i32/f32 it is exactly a kernel
 * `Tensor`; views return it with `data` aliasing the Arrow buffer.
 */
export interface ArrowTensor<E extends ElementType = ElementType> {
  readonly dtype: E;
  readonly shape: readonly number[];
  readonly data: ElementArrayFor<E>;
}

/** The Arrow numeric types that correspond to element types. */
export type ElementArrowType = Int | Float;

/** A fresh Arrow DataType for an element type. */
export function arrowTypeFor(dtype: ElementType): ElementArrowType {
  switch (dtype) {
    case "u8":
      return new Uint8();
    case "i8":
      return new Int8();
    case "u16":
      return new Uint16();
    case "i16":
      return new Int16();
    case "u32":
      return new Uint32();
    case "i32":
      return new Int32();
    case "i64":
      return new Int64();
    case "f32":
      return new Float32();
    case "f64":
      return new Float64();
  }
}

/** The element type an Arrow type stores, or undefined (uint64, float16, non-numeric, …). */
export function elementTypeOfArrow(type: DataType): ElementType | undefined {
  if (DataType.isInt(type)) {
    const { bitWidth, isSigned } = type;
    if (bitWidth === 8) return isSigned ? "i8" : "u8";
    if (bitWidth === 16) return isSigned ? "i16" : "u16";
    if (bitWidth === 32) return isSigned ? "i32" : "u32";
    if (bitWidth === 64 && isSigned) return "i64";
    return undefined;
  }
  if (DataType.isFloat(type)) {
    if (type.precision === Precision.SINGLE) return "f32";
    if (type.precision === Precision.DOUBLE) return "f64";
  }
  return undefined;
}

/** The element type of a typed array (Uint8ClampedArray counts as u8), or undefined. */
export function elementTypeOfArray(data: ArrayBufferView): ElementType | undefined {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return "u8";
  if (data instanceof Int32Array) return "i32";
  if (data instanceof Float32Array) return "f32";
  if (data instanceof Int8Array) return "i8";
  if (data instanceof Uint16Array) return "u16";
  if (data instanceof Int16Array) return "i16";
  if (data instanceof Uint32Array) return "u32";
  if (data instanceof BigInt64Array) return "i64";
  if (data instanceof Float64Array) return "f64";
  return undefined;
}

/**
 * The typed array as `E`'s array type without copying. Uint8ClampedArray and Node Buffers become
 * plain Uint8Array views over the same memory (Arrow's own Uint8Array handling expects that).
 * Throws when the array stores another element type.
 */
export function asElementArray<E extends ElementType>(dtype: E, data: ArrayBufferView, column: string): ElementArrayFor<E> {
  const actual = elementTypeOfArray(data);
  if (actual !== dtype) {
    throw new TypeMismatchError(column, "element type", dtype, actual ?? data.constructor.name);
  }
  if (dtype === "u8" && (data instanceof Uint8ClampedArray || data.constructor !== Uint8Array)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as ElementArrayFor<E>;
  }
  return data as ElementArrayFor<E>;
}

/** A zeroed typed array of `n` elements of `dtype`. */
export function allocElements<E extends ElementType>(dtype: E, n: number): ElementArrayFor<E> {
  const ctors: Record<ElementType, new (n: number) => ElementArray> = {
    u8: Uint8Array,
    i8: Int8Array,
    u16: Uint16Array,
    i16: Int16Array,
    u32: Uint32Array,
    i32: Int32Array,
    i64: BigInt64Array,
    f32: Float32Array,
    f64: Float64Array,
  };
  return new ctors[dtype](n) as ElementArrayFor<E>;
}

/** Whether the kernels can compute on this element type. */
export function isKernelDType(dtype: ElementType): dtype is DType {
  return dtype === "u8" || dtype === "i32" || dtype === "f32";
}

/**
 * Narrows a column tensor to a kernel `Tensor` (same object, no copy). Throws naming the column
 * when the element type is one the kernels do not take; cast such columns explicitly first.
 */
export function toKernelTensor<E extends ElementType>(t: ArrowTensor<E>, column: string): Tensor<Extract<E, DType>> {
  if (!isKernelDType(t.dtype)) {
    throw new TypeMismatchError(column, "kernel element type", "one of u8, i32, f32", t.dtype);
  }
  return t as unknown as Tensor<Extract<E, DType>>;
}
