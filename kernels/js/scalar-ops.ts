/**
 * Scalar semantics of every elementwise op, per dtype. The js kernels, the fused-chain
 * reference and the tests all use these, so "what add means on i32" is written once.
 *
 * f32 results are rounded to f32 after every op (Math.fround) because the wasm and webgpu
 * backends store f32 between ops; i32 arithmetic wraps like two's-complement hardware.
 */

import type { BinaryOp, UnaryOp } from "../op-attrs.js";
import type { DType } from "../tensor.js";

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

function isNaNOrOperandNaN(a: number, b: number): boolean {
  return Number.isNaN(a) || Number.isNaN(b);
}

/** `a OP b` for f32 (as double, rounded by the caller's store) or i32. */
export function binaryScalar(op: BinaryOp, dtype: DType, a: number, b: number): number {
  if (dtype === "i32") {
    switch (op) {
      case "add":
        return (a + b) | 0;
      case "sub":
        return (a - b) | 0;
      case "mul":
        return Math.imul(a, b);
      // Division by zero is undefined in ONNX and traps in wasm; sluice defines it as 0, and
      // INT_MIN / -1 (which overflows) as INT_MIN.
      case "div":
        return b === 0 ? 0 : a === I32_MIN && b === -1 ? I32_MIN : Math.trunc(a / b) | 0;
      case "min":
        return a < b ? a : b;
      case "max":
        return a > b ? a : b;
      default:
        throw new Error(`binary op ${op} is not defined on i32`);
    }
  }
  switch (op) {
    case "add":
      return a + b;
    case "sub":
      return a - b;
    case "mul":
      return a * b;
    case "div":
      return a / b;
    // min/max propagate NaN (numpy and wasm f32.min semantics), not JS comparison semantics.
    case "min":
      return isNaNOrOperandNaN(a, b) ? NaN : Math.min(a, b);
    case "max":
      return isNaNOrOperandNaN(a, b) ? NaN : Math.max(a, b);
    case "pow":
      return Math.pow(a, b);
  }
}

/** `OP x` for f32 or i32 (abs/neg/relu only on i32). */
export function unaryScalar(op: UnaryOp, dtype: DType, x: number): number {
  if (dtype === "i32") {
    switch (op) {
      case "abs":
        return x < 0 ? -x | 0 : x;
      case "neg":
        return -x | 0;
      case "relu":
        return x < 0 ? 0 : x;
      default:
        throw new Error(`unary op ${op} is not defined on i32`);
    }
  }
  switch (op) {
    case "abs":
      return Math.abs(x);
    case "neg":
      return -x;
    case "sqrt":
      return Math.sqrt(x);
    case "exp":
      return Math.exp(x);
    case "log":
      return Math.log(x);
    case "sigmoid":
      return 1 / (1 + Math.exp(-x));
    case "tanh":
      return Math.tanh(x);
    // NaN stays NaN (max(x, 0) with NaN propagation).
    case "relu":
      return x < 0 ? 0 : x;
  }
}

/** Clip with NaN propagation: a NaN input stays NaN. */
export function clampScalar(x: number, min: number, max: number): number {
  return x < min ? min : x > max ? max : x;
}

/**
 * Cast one value. Float → int truncates toward zero, NaN → 0, out-of-range saturates; the same
 * saturation applies to i32 → u8. (ONNX leaves these cases undefined; WGSL saturates too.)
 */
export function castScalar(to: DType, x: number): number {
  if (to === "f32") return Math.fround(x);
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  if (to === "u8") return t < 0 ? 0 : t > 255 ? 255 : t;
  return t < I32_MIN ? I32_MIN : t > I32_MAX ? I32_MAX : t;
}
