/**
 * How ONNX element types meet sluice's three dtypes (u8, i32, f32).
 *
 * Inputs — a model type accepts one sluice dtype:
 *   float32 ← f32 · float64 ← f32 (widened) · int32 ← i32 · int64 ← i32 (widened) ·
 *   uint8 ← u8 · bool ← u8 (non-zero is true). Other input types are refused at load.
 *
 * Outputs — every numeric type comes back as one sluice dtype:
 *   float32 → f32 (no copy) · float64 → f32 (rounded to nearest; beyond ±3.4e38 becomes ±Infinity) ·
 *   float16 → f32 (exact) · int32 → i32 (no copy) · int8, int16, uint16 → i32 (exact) ·
 *   int64, uint32, uint64 → i32, an error when any value is outside [-2^31, 2^31-1] ·
 *   uint8 → u8 (no copy) · bool → u8 (0 or 1). string outputs are refused at load.
 */

import type { DType, Tensor } from "../../kernels/tensor.js";

/** The data arrays onnxruntime uses, by element type. */
export type RawData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A tensor in onnxruntime's terms, independent of which onnxruntime package made it. */
export interface RawTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: RawData;
}

const INPUT_DTYPE: Readonly<Record<string, DType>> = {
  float32: "f32",
  float64: "f32",
  int32: "i32",
  int64: "i32",
  uint8: "u8",
  bool: "u8",
};

const OUTPUT_DTYPE: Readonly<Record<string, DType>> = {
  float32: "f32",
  float64: "f32",
  float16: "f32",
  int8: "i32",
  int16: "i32",
  uint16: "i32",
  int32: "i32",
  uint32: "i32",
  int64: "i32",
  uint64: "i32",
  uint8: "u8",
  bool: "u8",
};

/** The sluice dtype a model input of `onnxType` is fed with, or undefined when sluice cannot feed it. */
export function inputDtypeFor(onnxType: string): DType | undefined {
  return INPUT_DTYPE[onnxType];
}

/** The sluice dtype a model output of `onnxType` comes back as, or undefined when it cannot. */
export function outputDtypeFor(onnxType: string): DType | undefined {
  return OUTPUT_DTYPE[onnxType];
}

/**
 * A sluice tensor as a raw feed of the model's `onnxType`. The caller has checked that `t.dtype`
 * is `inputDtypeFor(onnxType)`; same-width types share the data.
 */
export function toRawFeed(t: Tensor, onnxType: string): RawTensor {
  const dims = t.shape;
  switch (onnxType) {
    case "int64": {
      const src = t.data;
      const out = new BigInt64Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = BigInt(src[i]!);
      return { type: onnxType, dims, data: out };
    }
    case "float64":
      return { type: onnxType, dims, data: Float64Array.from(t.data) };
    case "bool": {
      const src = t.data;
      const out = new Uint8Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
      return { type: onnxType, dims, data: out };
    }
    default:
      return { type: onnxType, dims, data: t.data };
  }
}

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/**
 * A raw output as a sluice tensor, following the rules at the top of this file. Throws a
 * `RangeError` naming the first out-of-range value; the caller adds the model and output names.
 */
export function fromRawOutput(raw: RawTensor): Tensor {
  // Shared, not copied: both sides are readonly, and this runs per output of every model call.
  const shape = raw.dims;
  const d = raw.data;
  switch (raw.type) {
    case "float32":
      return { dtype: "f32", shape, data: d as Float32Array };
    case "int32":
      return { dtype: "i32", shape, data: d as Int32Array };
    case "uint8":
      return { dtype: "u8", shape, data: d as Uint8Array };
    case "bool":
      return { dtype: "u8", shape, data: d instanceof Uint8Array ? d : Uint8Array.from(d as ArrayLike<number>, (v) => (v ? 1 : 0)) };
    case "float64":
      return { dtype: "f32", shape, data: Float32Array.from(d as Float64Array) };
    case "float16":
      return { dtype: "f32", shape, data: halfToFloat(d as Uint16Array) };
    case "int8":
    case "int16":
    case "uint16":
      return { dtype: "i32", shape, data: Int32Array.from(d as ArrayLike<number>) };
    case "uint32":
    case "int64":
    case "uint64":
      return { dtype: "i32", shape, data: narrowToI32(d as Uint32Array | BigInt64Array | BigUint64Array) };
    default:
      throw new RangeError(`element type ${raw.type} has no sluice dtype`);
  }
}

function narrowToI32(src: Uint32Array | BigInt64Array | BigUint64Array): Int32Array {
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = Number(src[i]!);
    // Number() of a big int64 may round, but never into range from outside it.
    if (v < I32_MIN || v > I32_MAX) {
      throw new RangeError(`value ${String(src[i])} at index ${i} is outside the int32 range`);
    }
    out[i] = v;
  }
  return out;
}

/** IEEE 754 binary16 bits → float32, exact (subnormals, infinities and NaN included). */
function halfToFloat(bits: Uint16Array | ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i]!;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}
