// Softmax and L2 normalization along an axis. The tensor is seen as [outer, len, inner]; with
// inner == 1 each lane is a contiguous row (SIMD along the row), otherwise four neighbouring
// lanes are processed side by side (SIMD across lanes, strided along the axis).
import { exp4 } from "./simd-math";

// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  // f32.max propagates NaN, like the reference's "a NaN makes the max NaN".
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// @ts-ignore: decorator
@inline function exp1(x: f32): f32 {
  return f32x4.extract_lane(exp4(f32x4.splat(x)), 0);
}

function softmaxRow(src: usize, dst: usize, len: i32): void {
  let vmax = f32x4.splat(-Infinity);
  let j = 0;
  for (; j + 4 <= len; j += 4) vmax = f32x4.max(vmax, v128.load(src + (<usize>j << 2)));
  let m = hmax(vmax);
  for (; j < len; j++) m = max(m, load<f32>(src + (<usize>j << 2)));
  const vm = f32x4.splat(m);
  let vsum = f32x4.splat(0);
  j = 0;
  for (; j + 4 <= len; j += 4) {
    const o = <usize>j << 2;
    const e = exp4(f32x4.sub(v128.load(src + o), vm));
    v128.store(dst + o, e);
    vsum = f32x4.add(vsum, e);
  }
  let sum = hsum(vsum);
  for (; j < len; j++) {
    const o = <usize>j << 2;
    const e = exp1(load<f32>(src + o) - m);
    store<f32>(dst + o, e);
    sum += e;
  }
  const vs = f32x4.splat(sum);
  j = 0;
  for (; j + 4 <= len; j += 4) {
    const o = <usize>j << 2;
    v128.store(dst + o, f32x4.div(v128.load(dst + o), vs));
  }
  for (; j < len; j++) {
    const o = <usize>j << 2;
    store<f32>(dst + o, load<f32>(dst + o) / sum);
  }
}

// Four lanes at once; `lanes` < 4 at the tail of inner uses lane-wise loads.
function softmaxStrided(src: usize, dst: usize, len: i32, strideBytes: usize): void {
  let vmax = f32x4.splat(-Infinity);
  for (let j = 0; j < len; j++) vmax = f32x4.max(vmax, v128.load(src + <usize>j * strideBytes));
  let vsum = f32x4.splat(0);
  for (let j = 0; j < len; j++) {
    const o = <usize>j * strideBytes;
    const e = exp4(f32x4.sub(v128.load(src + o), vmax));
    v128.store(dst + o, e);
    vsum = f32x4.add(vsum, e);
  }
  for (let j = 0; j < len; j++) {
    const o = <usize>j * strideBytes;
    v128.store(dst + o, f32x4.div(v128.load(dst + o), vsum));
  }
}

function softmaxScalarLane(src: usize, dst: usize, len: i32, strideBytes: usize): void {
  let m: f32 = -Infinity;
  for (let j = 0; j < len; j++) m = max(m, load<f32>(src + <usize>j * strideBytes));
  let sum: f32 = 0;
  for (let j = 0; j < len; j++) {
    const o = <usize>j * strideBytes;
    const e = exp1(load<f32>(src + o) - m);
    store<f32>(dst + o, e);
    sum += e;
  }
  for (let j = 0; j < len; j++) {
    const o = <usize>j * strideBytes;
    store<f32>(dst + o, load<f32>(dst + o) / sum);
  }
}

/** ONNX Softmax-13 over [outer, len, inner] f32: exp(x - max) / Σ along len. */
export function softmax_f32(src: usize, dst: usize, outer: i32, len: i32, inner: i32): void {
  const laneBytes = <usize>len * <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const s = src + <usize>o * laneBytes, d = dst + <usize>o * laneBytes;
    if (inner == 1) {
      softmaxRow(s, d, len);
      continue;
    }
    const stride = <usize>inner << 2;
    let i = 0;
    for (; i + 4 <= inner; i += 4) softmaxStrided(s + (<usize>i << 2), d + (<usize>i << 2), len, stride);
    for (; i < inner; i++) softmaxScalarLane(s + (<usize>i << 2), d + (<usize>i << 2), len, stride);
  }
}

// LpNormalization accumulates Σx² in f64 and divides in f64, so each output is exactly
// fround(x / ||x||) as in the reference (only the summation order differs).
function l2Lane(src: usize, dst: usize, len: i32, strideBytes: usize): void {
  let ss: f64 = 0;
  if (strideBytes == 4) {
    let acc = f64x2.splat(0);
    let j = 0;
    for (; j + 4 <= len; j += 4) {
      const v = v128.load(src + (<usize>j << 2));
      const lo = f64x2.promote_low_f32x4(v);
      const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
      acc = f64x2.add(acc, f64x2.add(f64x2.mul(lo, lo), f64x2.mul(hi, hi)));
    }
    ss = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
    for (; j < len; j++) {
      const v = <f64>load<f32>(src + (<usize>j << 2));
      ss += v * v;
    }
  } else {
    for (let j = 0; j < len; j++) {
      const v = <f64>load<f32>(src + <usize>j * strideBytes);
      ss += v * v;
    }
  }
  const norm = Math.sqrt(ss);
  if (strideBytes == 4) {
    const vn = f64x2.splat(norm);
    let j = 0;
    for (; j + 4 <= len; j += 4) {
      const o = <usize>j << 2;
      const v = v128.load(src + o);
      let r: v128;
      if (norm == 0) r = f32x4.splat(0);
      else {
        const lo = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(v), vn));
        const hi = f32x4.demote_f64x2_zero(f64x2.div(f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1)), vn));
        r = v128.shuffle<f32>(lo, hi, 0, 1, 4, 5);
      }
      v128.store(dst + o, r);
    }
    for (; j < len; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, norm == 0 ? 0 : <f32>(<f64>load<f32>(src + o) / norm));
    }
  } else {
    for (let j = 0; j < len; j++) {
      const o = <usize>j * strideBytes;
      store<f32>(dst + o, norm == 0 ? 0 : <f32>(<f64>load<f32>(src + o) / norm));
    }
  }
}

/** ONNX LpNormalization (p = 2) over [outer, len, inner] f32; a zero lane stays zero. */
export function lpnorm_f32(src: usize, dst: usize, outer: i32, len: i32, inner: i32): void {
  const laneBytes = <usize>len * <usize>inner << 2;
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const s = src + <usize>o * laneBytes, d = dst + <usize>o * laneBytes;
    for (let i = 0; i < inner; i++) l2Lane(s + (<usize>i << 2), d + (<usize>i << 2), len, stride);
  }
}
