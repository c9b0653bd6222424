// Clamp (ONNX Clip, NaN propagating) and saturating casts between u8, i32 and f32.
// Casts follow kernels/op-attrs.ts: float → int truncates toward zero, NaN → 0, out-of-range
// saturates (also i32 → u8). i32x4.trunc_sat_f32x4_s does exactly the first three.

/**
 * dst = clamp(src, lo, hi) over n f32 values, in-place safe. pmax/pmin are exactly the reference's
 * `x < lo ? lo : x` and `x > hi ? hi : x`: a NaN passes through, -0 stays -0, and they map to
 * single minps/maxps (f32x4.min/max need a NaN-fixing sequence).
 */
export function clamp_f32(src: usize, dst: usize, n: i32, lo: f32, hi: f32): void {
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.pmin(f32x4.pmax(v128.load(src + o), vlo), vhi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, f32x4.extract_lane(f32x4.pmin(f32x4.pmax(v128.load32_splat(src + o), vlo), vhi), 0));
  }
}

/** dst = min(max(src, lo), hi) over n i32 values (the JS side turns float bounds into i32 ones). */
export function clamp_i32(src: usize, dst: usize, n: i32, lo: i32, hi: i32): void {
  const vlo = i32x4.splat(lo), vhi = i32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, i32x4.min_s(i32x4.max_s(v128.load(src + o), vlo), vhi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<i32>(src + o);
    store<i32>(dst + o, v < lo ? lo : v > hi ? hi : v);
  }
}

// Four i32x4 → sixteen u8 with saturation: i32 → i16 (signed sat) → u8 (unsigned sat).
// @ts-ignore: decorator
@inline function narrowToU8(a: v128, b: v128, c: v128, d: v128): v128 {
  return i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

// Scalar float → int with wasm's saturating semantics (NaN → 0), through lane 0.
// @ts-ignore: decorator
@inline function truncSat(x: f32): i32 {
  return i32x4.extract_lane(i32x4.trunc_sat_f32x4_s(f32x4.splat(x)), 0);
}

// @ts-ignore: decorator
@inline function satU8(v: i32): u8 {
  return <u8>(v < 0 ? 0 : v > 255 ? 255 : v);
}

export function cast_f32_i32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, i32x4.trunc_sat_f32x4_s(v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<i32>(dst + o, truncSat(load<f32>(src + o)));
  }
}

export function cast_i32_f32(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.convert_i32x4_s(v128.load(src + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, <f32>load<i32>(src + o));
  }
}

export function cast_f32_u8(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const s = src + (<usize>i << 2);
    v128.store(dst + <usize>i, narrowToU8(
      i32x4.trunc_sat_f32x4_s(v128.load(s)),
      i32x4.trunc_sat_f32x4_s(v128.load(s, 16)),
      i32x4.trunc_sat_f32x4_s(v128.load(s, 32)),
      i32x4.trunc_sat_f32x4_s(v128.load(s, 48)),
    ));
  }
  for (; i < n; i++) store<u8>(dst + <usize>i, satU8(truncSat(load<f32>(src + (<usize>i << 2)))));
}

export function cast_i32_u8(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const s = src + (<usize>i << 2);
    v128.store(dst + <usize>i, narrowToU8(v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48)));
  }
  for (; i < n; i++) store<u8>(dst + <usize>i, satU8(load<i32>(src + (<usize>i << 2))));
}

// @ts-ignore: decorator
@inline function widenU8(src: usize, dst: usize, n: i32, toF32: bool): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const v = v128.load(src + <usize>i);
    const lo = i16x8.extend_low_i8x16_u(v), hi = i16x8.extend_high_i8x16_u(v);
    let a = i32x4.extend_low_i16x8_u(lo), b = i32x4.extend_high_i16x8_u(lo);
    let c = i32x4.extend_low_i16x8_u(hi), d = i32x4.extend_high_i16x8_u(hi);
    if (toF32) {
      a = f32x4.convert_i32x4_s(a); b = f32x4.convert_i32x4_s(b);
      c = f32x4.convert_i32x4_s(c); d = f32x4.convert_i32x4_s(d);
    }
    const o = dst + (<usize>i << 2);
    v128.store(o, a); v128.store(o, b, 16); v128.store(o, c, 32); v128.store(o, d, 48);
  }
  for (; i < n; i++) {
    const v = load<u8>(src + <usize>i);
    if (toF32) store<f32>(dst + (<usize>i << 2), <f32>v);
    else store<i32>(dst + (<usize>i << 2), <i32>v);
  }
}

export function cast_u8_f32(src: usize, dst: usize, n: i32): void { widenU8(src, dst, n, true); }
export function cast_u8_i32(src: usize, dst: usize, n: i32): void { widenU8(src, dst, n, false); }
