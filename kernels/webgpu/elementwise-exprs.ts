/**
 * WGSL for the scalar semantics of kernels/js/scalar-ops.ts: one expression per (op, dtype),
 * used by the single-op kernels and by the fused chain so both agree with the reference.
 * Special cases (NaN propagation in min/max, log of negatives, Math.pow's rules, saturating
 * casts) are spelled out because WGSL leaves them to the implementation.
 */

import type { BinaryOp, UnaryOp } from "../op-attrs.js";
import type { DType } from "../tensor.js";
import { i32Literal, SPECIAL_VALUES_WGSL } from "./wgsl.js";

/** Helper functions every elementwise expression may call; include once per shader. */
export const ELEMENTWISE_WGSL = `${SPECIAL_VALUES_WGSL}
fn sl_min_f32(a: f32, b: f32) -> f32 { return select(min(a, b), sl_nan(), sl_isnan(a) || sl_isnan(b)); }
fn sl_max_f32(a: f32, b: f32) -> f32 { return select(max(a, b), sl_nan(), sl_isnan(a) || sl_isnan(b)); }
fn sl_div_i32(a: i32, b: i32) -> i32 { return select(a / b, 0i, b == 0i); }
fn sl_sqrt(x: f32) -> f32 { return select(sqrt(x), sl_nan(), x < 0.0f); }
fn sl_exp(x: f32) -> f32 {
  if (sl_isnan(x)) { return x; }
  if (x > 88.8f) { return sl_inf(); }
  if (x < -104.0f) { return 0.0f; }
  return exp(x);
}
fn sl_log(x: f32) -> f32 {
  if (sl_isnan(x) || x < 0.0f) { return sl_nan(); }
  if (x == 0.0f) { return -sl_inf(); }
  if (sl_isinf(x)) { return x; }
  return log(x);
}
fn sl_sigmoid(x: f32) -> f32 {
  if (sl_isnan(x)) { return x; }
  return 1.0f / (1.0f + sl_exp(-x));
}
// Cephes' tanhf: a polynomial near 0, where (e^2x - 1)/(e^2x + 1) loses every digit, and
// 1 - 2/(e^2|x| + 1) beyond; tanh rounds to ±1 in f32 past |x| ≈ 9.
fn sl_tanh(x: f32) -> f32 {
  if (sl_isnan(x)) { return x; }
  let z = abs(x);
  if (z > 10.0f) { return sign(x); }
  if (z < 0.625f) {
    let s = x * x;
    return ((((-5.70498872745e-3f * s + 2.06390887954e-2f) * s - 5.37397155531e-2f) * s + 1.33314422036e-1f) * s - 3.33332819422e-1f) * s * x + x;
  }
  let t = 1.0f - 2.0f / (exp(2.0f * z) + 1.0f);
  return select(t, -t, x < 0.0f);
}
fn sl_relu_f32(x: f32) -> f32 { return select(x, 0.0f, x < 0.0f); }
// Math.pow, including its special cases (pow(x, 0) = 1 even for NaN x; negative bases with
// integer exponents; pow(±1, ±Inf) = NaN; pow(-Inf, 0.5) = Inf). Small integer exponents use
// repeated squaring: exp2(b·log2|a|) is a few ULP off even for pow(x, 1).
fn sl_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0f) { return 1.0f; }
  if (sl_isnan(a) || sl_isnan(b)) { return sl_nan(); }
  let aa = abs(a);
  if (sl_isinf(b)) {
    if (aa == 1.0f) { return sl_nan(); }
    return select(0.0f, sl_inf(), (aa > 1.0f) == (b > 0.0f));
  }
  let is_int = trunc(b) == b;
  // Every f32 of magnitude >= 2^24 is an even integer.
  let odd = is_int && abs(b) < 16777216.0f && (i32(abs(b)) & 1i) == 1i;
  // The sign of the result follows the base only for odd integer exponents (-0 included).
  let neg = odd && (bitcast<u32>(a) & 0x80000000u) != 0u;
  var r: f32;
  if (aa == 0.0f) {
    r = select(sl_inf(), 0.0f, b > 0.0f);
  } else if (sl_isinf(a)) {
    r = select(0.0f, sl_inf(), b > 0.0f);
  } else if (a < 0.0f && !is_int) {
    return sl_nan();
  } else if (is_int && abs(b) <= 64.0f) {
    var e = u32(abs(b));
    var base = aa;
    r = 1.0f;
    loop {
      if ((e & 1u) != 0u) { r = r * base; }
      e = e >> 1u;
      if (e == 0u) { break; }
      base = base * base;
    }
    if (b < 0.0f) { r = 1.0f / r; }
  } else {
    r = pow(aa, b);
  }
  return select(r, -r, neg);
}
fn sl_f32_to_i32(x: f32) -> i32 {
  if (sl_isnan(x)) { return 0i; }
  if (x >= 2147483648.0f) { return 2147483647i; }
  if (x <= -2147483648.0f) { return bitcast<i32>(0x80000000u); }
  return i32(x);
}
fn sl_f32_to_u8(x: f32) -> u32 {
  if (sl_isnan(x)) { return 0u; }
  return u32(clamp(trunc(x), 0.0f, 255.0f));
}
fn sl_i32_to_u8(x: i32) -> u32 { return u32(clamp(x, 0i, 255i)); }
`;

/** WGSL expression for `op x` on a value of `dtype` (f32, or i32 for abs/neg/relu). */
export function unaryExpr(op: UnaryOp, dtype: DType, x: string): string {
  if (dtype === "i32") {
    switch (op) {
      case "abs":
        return `abs(${x})`;
      case "neg":
        return `(-(${x}))`;
      case "relu":
        return `max(${x}, 0i)`;
      default:
        throw new Error(`unary op ${op} is not defined on i32`);
    }
  }
  switch (op) {
    case "abs":
      return `abs(${x})`;
    case "neg":
      return `(-(${x}))`;
    case "sqrt":
      return `sl_sqrt(${x})`;
    case "exp":
      return `sl_exp(${x})`;
    case "log":
      return `sl_log(${x})`;
    case "sigmoid":
      return `sl_sigmoid(${x})`;
    case "tanh":
      return `sl_tanh(${x})`;
    case "relu":
      return `sl_relu_f32(${x})`;
  }
}

/** WGSL expression for `a op b` on values of `dtype` (f32, or i32 except pow). */
export function binaryExpr(op: BinaryOp, dtype: DType, a: string, b: string): string {
  if (dtype === "i32") {
    switch (op) {
      case "add":
        return `(${a} + ${b})`;
      case "sub":
        return `(${a} - ${b})`;
      case "mul":
        return `(${a} * ${b})`;
      case "div":
        return `sl_div_i32(${a}, ${b})`;
      case "min":
        return `min(${a}, ${b})`;
      case "max":
        return `max(${a}, ${b})`;
      default:
        throw new Error(`binary op ${op} is not defined on i32`);
    }
  }
  switch (op) {
    case "add":
      return `(${a} + ${b})`;
    case "sub":
      return `(${a} - ${b})`;
    case "mul":
      return `(${a} * ${b})`;
    case "div":
      return `(${a} / ${b})`;
    case "min":
      return `sl_min_f32(${a}, ${b})`;
    case "max":
      return `sl_max_f32(${a}, ${b})`;
    case "pow":
      return `sl_pow(${a}, ${b})`;
  }
}

/** WGSL expression converting a value of `from` to `to` (float→int truncates, NaN→0, saturates). */
export function castExpr(from: DType, to: DType, x: string): string {
  if (from === to) return x;
  switch (`${from}>${to}`) {
    case "f32>i32":
      return `sl_f32_to_i32(${x})`;
    case "f32>u8":
      return `sl_f32_to_u8(${x})`;
    case "i32>u8":
      return `sl_i32_to_u8(${x})`;
    case "i32>f32":
    case "u8>f32":
      return `f32(${x})`;
    default: // u8>i32
      return `i32(${x})`;
  }
}

/**
 * i32 clamp with f64 bounds, as the reference computes it: `x < min ? min : x > max ? max : x`
 * stored into an Int32Array (ToInt32). Over integers `x < min` is `x < ceil(min)`, which may be
 * "always" or "never" when the bound lies outside the i32 range.
 */
export interface I32ClampBound {
  /** Comparison threshold (i32). */
  t: number;
  /** Value stored when the bound applies: ToInt32(bound). */
  v: number;
  /** 1 when the bound applies to every i32. */
  all: number;
}

export function i32ClampBounds(min: number, max: number): { lo: I32ClampBound; hi: I32ClampBound } {
  const I32_MIN = -2147483648, I32_MAX = 2147483647;
  const lo: I32ClampBound = { t: I32_MIN, v: min | 0, all: 0 };
  const cmin = Math.ceil(min);
  if (cmin > I32_MAX) lo.all = 1;
  else if (cmin > I32_MIN) lo.t = cmin;
  const hi: I32ClampBound = { t: I32_MAX, v: max | 0, all: 0 };
  const fmax = Math.floor(max);
  if (fmax < I32_MIN) hi.all = 1;
  else if (fmax < I32_MAX) hi.t = fmax;
  return { lo, hi };
}

/** An I32ClampBound as WGSL expressions (uniform reads or literals); `all` is a u32. */
export interface I32ClampBoundWgsl {
  t: string;
  v: string;
  all: string;
}

/** WGSL for the i32 clamp of `x` (a plain identifier: it is evaluated more than once). */
export function i32ClampExpr(x: string, lo: I32ClampBoundWgsl, hi: I32ClampBoundWgsl): string {
  // Comparisons are parenthesized: `a < b … c > d` in one expression parses as a template list.
  return `select(select(${x}, ${hi.v}, (${hi.all} != 0u) || (${x} > ${hi.t})), ${lo.v}, (${lo.all} != 0u) || (${x} < ${lo.t}))`;
}

/** Literal bounds for i32ClampExpr (the chain bakes its constants into the shader). */
export function i32ClampLiterals(min: number, max: number): { lo: I32ClampBoundWgsl; hi: I32ClampBoundWgsl } {
  const { lo, hi } = i32ClampBounds(min, max);
  const lit = (b: I32ClampBound): I32ClampBoundWgsl => ({ t: i32Literal(b.t), v: i32Literal(b.v), all: `${b.all}u` });
  return { lo: lit(lo), hi: lit(hi) };
}
