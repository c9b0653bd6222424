// The per-vector op bodies shared by the single-op loops and the fused chain. Kept out of the
// module's exports (index.ts re-exports kernels only).
import { exp4, log4, pow4, sigmoid4, tanh4 } from "./simd-math";
import { B_ADD, B_DIV, B_MAX, B_MIN, B_MUL, B_SUB, U_ABS, U_EXP, U_LOG, U_NEG, U_SIGMOID, U_SQRT, U_TANH } from "./op-codes";

// @ts-ignore: decorator
@inline export function unaryVecF32(op: i32, x: v128): v128 {
  switch (op) {
    case U_ABS: return f32x4.abs(x);
    case U_NEG: return f32x4.neg(x);
    case U_SQRT: return f32x4.sqrt(x);
    case U_EXP: return exp4(x);
    case U_LOG: return log4(x);
    case U_SIGMOID: return sigmoid4(x);
    case U_TANH: return tanh4(x);
    // x < 0 ? 0 : x, so NaN and -0 pass through unchanged like the reference.
    default: return v128.andnot(x, f32x4.lt(x, f32x4.splat(0)));
  }
}

// @ts-ignore: decorator
@inline export function unaryVecI32(op: i32, x: v128): v128 {
  switch (op) {
    case U_ABS: return i32x4.abs(x);
    case U_NEG: return i32x4.neg(x);
    default: return i32x4.max_s(x, i32x4.splat(0));
  }
}

// @ts-ignore: decorator
@inline export function binaryVecF32(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    // f32x4.min/max propagate NaN, as the reference (numpy semantics) does.
    case B_MIN: return f32x4.min(a, b);
    case B_MAX: return f32x4.max(a, b);
    default: return pow4(a, b);
  }
}

// Division by zero is 0 and INT_MIN / -1 is INT_MIN (sluice's definition; wasm would trap).
// @ts-ignore: decorator
@inline function divI32(a: i32, b: i32): i32 {
  return b == 0 ? 0 : a == i32.MIN_VALUE && b == -1 ? a : a / b;
}

// @ts-ignore: decorator
@inline export function binaryVecI32(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return i32x4.add(a, b);
    case B_SUB: return i32x4.sub(a, b);
    case B_MUL: return i32x4.mul(a, b);
    case B_MIN: return i32x4.min_s(a, b);
    case B_MAX: return i32x4.max_s(a, b);
    default: {
      // No SIMD integer division: lane by lane.
      let r = i32x4.splat(divI32(i32x4.extract_lane(a, 0), i32x4.extract_lane(b, 0)));
      r = i32x4.replace_lane(r, 1, divI32(i32x4.extract_lane(a, 1), i32x4.extract_lane(b, 1)));
      r = i32x4.replace_lane(r, 2, divI32(i32x4.extract_lane(a, 2), i32x4.extract_lane(b, 2)));
      return i32x4.replace_lane(r, 3, divI32(i32x4.extract_lane(a, 3), i32x4.extract_lane(b, 3)));
    }
  }
}

