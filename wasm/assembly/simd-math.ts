// Vectorized f32x4 transcendentals. Polynomials and range reductions are Cephes' (S. Moshier,
// expf.c / logf.c / tanhf.c), accurate to about 1-2 ulp over the whole range; special values
// (NaN, ±Inf, 0, negatives, denormals) are fixed up with masks so they match IEEE / JS Math.
// wasm SIMD has no FMA outside relaxed-simd, so each Horner step is a mul and an add.

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(a, b), c);
}

/** e^x per lane. Overflow gives +Inf, underflow 0 (via denormals), NaN stays NaN. */
// @ts-ignore: decorator
@inline export function exp4(x: v128): v128 {
  // Beyond these bounds the result is already Inf / 0 in f32; clamping keeps 2^n representable
  // in two factors. f32x4.min/max propagate NaN.
  x = f32x4.max(f32x4.min(x, f32x4.splat(89.0)), f32x4.splat(-104.0));
  const fn = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  // Cody-Waite: ln2 split in two so r = x - n*ln2 is exact enough.
  let r = f32x4.sub(x, f32x4.mul(fn, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fn, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = madd(p, r, f32x4.splat(1.3981999507e-3));
  p = madd(p, r, f32x4.splat(8.3334519073e-3));
  p = madd(p, r, f32x4.splat(4.1665795894e-2));
  p = madd(p, r, f32x4.splat(1.6666665459e-1));
  p = madd(p, r, f32x4.splat(5.0000001201e-1));
  const r2 = f32x4.mul(r, r);
  const y = f32x4.add(madd(p, r2, r), f32x4.splat(1.0));
  // Scale by 2^n as 2^(n>>1) * 2^(n - (n>>1)): each factor stays a normal float, so results
  // that overflow become Inf and results near underflow become correct denormals.
  const n = i32x4.trunc_sat_f32x4_s(fn);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

/** ln(x) per lane: NaN for x < 0 or NaN, -Inf for ±0, +Inf for +Inf; denormals handled. */
// @ts-ignore: decorator
@inline export function log4(x: v128): v128 {
  // Denormals: scale by 2^23 first and take 23 off the exponent.
  const tiny = f32x4.lt(x, f32x4.splat(1.17549435e-38));
  const xs = v128.bitselect(f32x4.mul(x, f32x4.splat(8388608.0)), x, tiny);
  const bits = xs;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(tiny, i32x4.splat(23)));
  // Mantissa in [0.5, 1).
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  // Shift to [sqrt(1/2), sqrt(2)) so the polynomial argument is centred on 0.
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = i32x4.add(e, small); // true lanes are -1
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), f32x4.splat(1.0));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = f32x4.splat(7.0376836292e-2);
  p = madd(p, m, f32x4.splat(-1.1514610310e-1));
  p = madd(p, m, f32x4.splat(1.1676998740e-1));
  p = madd(p, m, f32x4.splat(-1.2420140846e-1));
  p = madd(p, m, f32x4.splat(1.4249322787e-1));
  p = madd(p, m, f32x4.splat(-1.6668057665e-1));
  p = madd(p, m, f32x4.splat(2.0000714765e-1));
  p = madd(p, m, f32x4.splat(-2.4999993993e-1));
  p = madd(p, m, f32x4.splat(3.3333331174e-1));
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = madd(fe, f32x4.splat(-2.12194440e-4), y);
  y = madd(z, f32x4.splat(-0.5), y);
  let r = f32x4.add(m, y);
  r = madd(fe, f32x4.splat(0.693359375), r);
  // Special values.
  r = v128.bitselect(f32x4.splat(-Infinity), r, f32x4.eq(x, f32x4.splat(0.0)));
  r = v128.bitselect(f32x4.splat(Infinity), r, f32x4.eq(x, f32x4.splat(Infinity)));
  return v128.bitselect(r, f32x4.splat(NaN), f32x4.ge(x, f32x4.splat(0.0)));
}

/** tanh(x) per lane: an odd polynomial near 0, 1 - 2/(e^{2|x|}+1) elsewhere. */
// @ts-ignore: decorator
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = madd(p, z, f32x4.splat(2.06390887954e-2));
  p = madd(p, z, f32x4.splat(-5.37397155531e-2));
  p = madd(p, z, f32x4.splat(1.33314422036e-1));
  p = madd(p, z, f32x4.splat(-3.33332819422e-1));
  const near = madd(f32x4.mul(p, z), x, x);
  const e = exp4(f32x4.add(ax, ax));
  let far = f32x4.sub(f32x4.splat(1.0), f32x4.div(f32x4.splat(2.0), f32x4.add(e, f32x4.splat(1.0))));
  // Copy the sign of x onto the far branch.
  far = v128.or(far, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(near, far, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** 1 / (1 + e^-x) per lane. */
// @ts-ignore: decorator
@inline export function sigmoid4(x: v128): v128 {
  return f32x4.div(f32x4.splat(1.0), f32x4.add(f32x4.splat(1.0), exp4(f32x4.neg(x))));
}

/**
 * x^y with JS Math.pow semantics, one lane at a time through the std's powf (musl port, < 1 ulp).
 * C's pow(1, NaN) and pow(±1, ±Inf) are 1; JS says NaN, and the js reference is the oracle.
 */
// @ts-ignore: decorator
@inline export function powScalar(x: f32, y: f32): f32 {
  if (isNaN(y) || (Mathf.abs(x) == 1 && !isFinite(y))) return NaN;
  return Mathf.pow(x, y);
}

// @ts-ignore: decorator
@inline export function pow4(x: v128, y: v128): v128 {
  let r = f32x4.splat(powScalar(f32x4.extract_lane(x, 0), f32x4.extract_lane(y, 0)));
  r = f32x4.replace_lane(r, 1, powScalar(f32x4.extract_lane(x, 1), f32x4.extract_lane(y, 1)));
  r = f32x4.replace_lane(r, 2, powScalar(f32x4.extract_lane(x, 2), f32x4.extract_lane(y, 2)));
  return f32x4.replace_lane(r, 3, powScalar(f32x4.extract_lane(x, 3), f32x4.extract_lane(y, 3)));
}
