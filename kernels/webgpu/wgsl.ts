/**
 * WGSL building blocks shared by the program builders: storage declarations with u8 packing,
 * literals that survive WGSL's const-evaluation rules, and NaN/Inf helpers that do not rely on
 * the driver honouring IEEE special values (WGSL lets implementations assume they never occur,
 * so every special case is decided on bit patterns).
 */

import type { DType } from "../tensor.js";

/** Type of one stored word: u8 elements live four to a u32. */
export function storageType(dtype: DType): "f32" | "i32" | "u32" {
  return dtype === "u8" ? "u32" : dtype;
}

/** Type a loaded element has in expressions: a u8 is widened to u32. */
export const valueType = storageType;

/** `@binding` declaration of a tensor, read-only for inputs. */
export function declareTensor(name: string, dtype: DType, binding: number, access: "read" | "read_write"): string {
  return `@group(0) @binding(${binding}) var<storage, ${access}> ${name}: array<${storageType(dtype)}>;\n`;
}

/** `fn load_<name>(i: u32) -> T`: element i of a tensor input, unpacking u8. */
export function loadFn(name: string, dtype: DType): string {
  if (dtype === "u8") {
    return `fn load_${name}(i: u32) -> u32 { return (${name}[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu; }\n`;
  }
  return `fn load_${name}(i: u32) -> ${dtype} { return ${name}[i]; }\n`;
}

/**
 * Special-value helpers. NaN and Inf are produced from private variables, not literals: a
 * const-expression that evaluates to a non-finite value is a shader-creation error.
 */
export const SPECIAL_VALUES_WGSL = `var<private> sl_nan_bits: u32 = 0x7fc00000u;
var<private> sl_inf_bits: u32 = 0x7f800000u;
fn sl_nan() -> f32 { return bitcast<f32>(sl_nan_bits); }
fn sl_inf() -> f32 { return bitcast<f32>(sl_inf_bits); }
fn sl_isnan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn sl_isinf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
`;

/** An exact f32 literal for `v` (rounded to f32 first); non-finite values call the helpers above. */
export function f32Literal(v: number): string {
  const f = Math.fround(v);
  if (Number.isNaN(f)) return "sl_nan()";
  if (f === Infinity) return "sl_inf()";
  if (f === -Infinity) return "(-sl_inf())";
  if (Number.isInteger(f) && Math.abs(f) < 2 ** 24 && !Object.is(f, -0)) return `${f}.0f`;
  const bits = new Uint32Array(new Float32Array([f]).buffer)[0]!;
  return `bitcast<f32>(0x${bits.toString(16)}u)`;
}

/** An i32 literal; `v` must already be an i32 value. */
export function i32Literal(v: number): string {
  return v === -2147483648 ? "bitcast<i32>(0x80000000u)" : `${v | 0}i`;
}

/** The literal of `v` as an element of `dtype` (already converted to that dtype's value set). */
export function literal(dtype: DType, v: number): string {
  return dtype === "f32" ? f32Literal(v) : dtype === "i32" ? i32Literal(v) : `${v >>> 0}u`;
}
