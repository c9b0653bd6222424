// Unary elementwise kernels: `unary_f32(op, src, dst, n)` and `unary_i32(...)`, plus the named
// exports `abs_f32(src, dst, n)` … Every loop is safe in place (src == dst), which the fused chain
// relies on.
import { unaryVecF32, unaryVecI32 } from "./vec-ops";
import { U_ABS, U_EXP, U_LOG, U_NEG, U_RELU, U_SIGMOID, U_SQRT, U_TANH } from "./op-codes";

// The scalar tail runs the vector code on one lane so a value gets the same result wherever it
// sits in the array.
// @ts-ignore: decorator
@inline function unaryLoopF32(op: i32, src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, unaryVecF32(op, v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, f32x4.extract_lane(unaryVecF32(op, f32x4.splat(load<f32>(src + o))), 0));
  }
}

// @ts-ignore: decorator
@inline function unaryLoopI32(op: i32, src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, unaryVecI32(op, v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<i32>(dst + o, i32x4.extract_lane(unaryVecI32(op, i32x4.splat(load<i32>(src + o))), 0));
  }
}

/** dst[i] = op(src[i]) over n f32 values; op is a U_* code. */
export function unary_f32(op: i32, src: usize, dst: usize, n: i32): void {
  // One specialized loop per op: the switch is outside the hot loop.
  switch (op) {
    case U_ABS: unaryLoopF32(U_ABS, src, dst, n); break;
    case U_NEG: unaryLoopF32(U_NEG, src, dst, n); break;
    case U_SQRT: unaryLoopF32(U_SQRT, src, dst, n); break;
    case U_EXP: unaryLoopF32(U_EXP, src, dst, n); break;
    case U_LOG: unaryLoopF32(U_LOG, src, dst, n); break;
    case U_SIGMOID: unaryLoopF32(U_SIGMOID, src, dst, n); break;
    case U_TANH: unaryLoopF32(U_TANH, src, dst, n); break;
    default: unaryLoopF32(U_RELU, src, dst, n);
  }
}

/** dst[i] = op(src[i]) over n i32 values; op is U_ABS, U_NEG or U_RELU (wrapping like hardware). */
export function unary_i32(op: i32, src: usize, dst: usize, n: i32): void {
  switch (op) {
    case U_ABS: unaryLoopI32(U_ABS, src, dst, n); break;
    case U_NEG: unaryLoopI32(U_NEG, src, dst, n); break;
    default: unaryLoopI32(U_RELU, src, dst, n);
  }
}

export function abs_f32(src: usize, dst: usize, n: i32): void { unaryLoopF32(U_ABS, src, dst, n); }
export function neg_f32(src: usize, dst: usize, n: i32): void { unaryLoopF32(U_NEG, src, dst, n); }
export function sqrt_f32(src: usize, dst: usize, n: i32): void { unaryLoopF32(U_SQRT, src, dst, n); }
export function exp_f32(src: usize, dst: usize, n: i32): void { unaryLoopF32(U_EXP, src, dst, n); }
export function log_f32(src: usize, dst: usize, n: i32): void { unaryLoopF32(U_LOG, src, dst, n); }
export function sigmoid_f32(src: usize, dst: usize, n: i32): void { unaryLoopF32(U_SIGMOID, src, dst, n); }
export function tanh_f32(src: usize, dst: usize, n: i32): void { unaryLoopF32(U_TANH, src, dst, n); }
export function relu_f32(src: usize, dst: usize, n: i32): void { unaryLoopF32(U_RELU, src, dst, n); }
export function abs_i32(src: usize, dst: usize, n: i32): void { unaryLoopI32(U_ABS, src, dst, n); }
export function neg_i32(src: usize, dst: usize, n: i32): void { unaryLoopI32(U_NEG, src, dst, n); }
export function relu_i32(src: usize, dst: usize, n: i32): void { unaryLoopI32(U_RELU, src, dst, n); }
