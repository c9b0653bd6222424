// Per-channel normalize fused with u8→f32 and the layout change: y = x * a[c] + b[c], where the
// JS side folds (x * scale - mean) / std into a = scale / std, b = -mean / std.
//
// `coef` holds f32 words: a[c], b[c], then a and b tiled to 16c lanes each (the hwc → hwc path
// walks 16 pixels at a time, so the channel pattern repeats every 16c elements).

// @ts-ignore: decorator
@inline function u8x16ToF32(v: v128, q: i32): v128 {
  // Quarter q (0..3) of 16 bytes as four f32.
  const h = q < 2 ? i16x8.extend_low_i8x16_u(v) : i16x8.extend_high_i8x16_u(v);
  const w = (q & 1) == 0 ? i32x4.extend_low_i16x8_u(h) : i32x4.extend_high_i16x8_u(h);
  return f32x4.convert_i32x4_s(w);
}

// @ts-ignore: decorator
@inline function affine(x: v128, a: v128, b: v128): v128 {
  return f32x4.add(f32x4.mul(x, a), b);
}

// @ts-ignore: decorator
@inline function loadScalar(isU8: bool, src: usize, i: usize): f32 {
  return isU8 ? <f32>load<u8>(src + i) : load<f32>(src + (i << 2));
}

// 16 u8 values at `src` → four f32x4 stored at dst.
// @ts-ignore: decorator
@inline function storeU8x16(dst: usize, v: v128, a: v128, b: v128): void {
  v128.store(dst, affine(u8x16ToF32(v, 0), a, b));
  v128.store(dst, affine(u8x16ToF32(v, 1), a, b), 16);
  v128.store(dst, affine(u8x16ToF32(v, 2), a, b), 32);
  v128.store(dst, affine(u8x16ToF32(v, 3), a, b), 48);
}

// One plane (or a whole c == 1 image): dst[i] = src[i] * a + b.
// @ts-ignore: decorator
@inline function affinePlane(isU8: bool, src: usize, dst: usize, n: i32, sa: f32, sb: f32): void {
  const a = f32x4.splat(sa), b = f32x4.splat(sb);
  let i = 0;
  if (isU8) {
    for (; i + 16 <= n; i += 16) storeU8x16(dst + (<usize>i << 2), v128.load(src + <usize>i), a, b);
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, affine(v128.load(src + o), a, b));
    }
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), loadScalar(isU8, src, <usize>i) * sa + sb);
}

// Four f32 RGB pixels (12 floats at s) → four values in each of three planes.
// @ts-ignore: decorator
@inline function rgb4(s: usize, dR: usize, dG: usize, dB: usize, aR: v128, aG: v128, aB: v128, bR: v128, bG: v128, bB: v128): void {
  const v0 = v128.load(s), v1 = v128.load(s, 16), v2 = v128.load(s, 32);
  const r = v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 0, 3, 6, 0), v2, 0, 1, 2, 5);
  const g = v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 1, 4, 7, 0), v2, 0, 1, 2, 6);
  const b = v128.shuffle<f32>(v128.shuffle<f32>(v0, v1, 2, 5, 0, 0), v2, 0, 1, 4, 7);
  v128.store(dR, affine(r, aR, bR));
  v128.store(dG, affine(g, aG, bG));
  v128.store(dB, affine(b, aB, bB));
}

// hwc with 3 channels → three planes, deinterleaving with shuffles.
// @ts-ignore: decorator
@inline function rgbToPlanes(isU8: bool, src: usize, dst: usize, hw: i32, coef: usize): void {
  const ra = load<f32>(coef), ga = load<f32>(coef, 4), ba = load<f32>(coef, 8);
  const rb = load<f32>(coef, 12), gb = load<f32>(coef, 16), bb = load<f32>(coef, 20);
  const aR = f32x4.splat(ra), aG = f32x4.splat(ga), aB = f32x4.splat(ba);
  const bR = f32x4.splat(rb), bG = f32x4.splat(gb), bB = f32x4.splat(bb);
  const plane = <usize>hw << 2;
  const dR = dst, dG = dst + plane, dB = dst + 2 * plane;
  let p = 0;
  if (isU8) {
    for (; p + 16 <= hw; p += 16) {
      const s = src + <usize>p * 3;
      const v0 = v128.load(s), v1 = v128.load(s, 16), v2 = v128.load(s, 32);
      const r = i8x16.shuffle(i8x16.shuffle(v0, v1, 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0), v2,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29);
      const g = i8x16.shuffle(i8x16.shuffle(v0, v1, 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0), v2,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30);
      const b = i8x16.shuffle(i8x16.shuffle(v0, v1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0), v2,
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31);
      const o = <usize>p << 2;
      storeU8x16(dR + o, r, aR, bR);
      storeU8x16(dG + o, g, aG, bG);
      storeU8x16(dB + o, b, aB, bB);
    }
  } else {
    // Eight pixels per iteration: two independent shuffle chains keep the ports busy.
    for (; p + 8 <= hw; p += 8) {
      const s = src + <usize>p * 12;
      const o = <usize>p << 2;
      rgb4(s, dR + o, dG + o, dB + o, aR, aG, aB, bR, bG, bB);
      rgb4(s + 48, dR + o + 16, dG + o + 16, dB + o + 16, aR, aG, aB, bR, bG, bB);
    }
    for (; p + 4 <= hw; p += 4) {
      const o = <usize>p << 2;
      rgb4(src + <usize>p * 12, dR + o, dG + o, dB + o, aR, aG, aB, bR, bG, bB);
    }
  }
  for (; p < hw; p++) {
    const i = <usize>p * 3, o = <usize>p << 2;
    store<f32>(dR + o, loadScalar(isU8, src, i) * ra + rb);
    store<f32>(dG + o, loadScalar(isU8, src, i + 1) * ga + gb);
    store<f32>(dB + o, loadScalar(isU8, src, i + 2) * ba + bb);
  }
}

// hwc → hwc: the coefficient pattern repeats every 16c elements.
// @ts-ignore: decorator
@inline function interleavedAffine(isU8: bool, src: usize, dst: usize, hw: i32, c: i32, coef: usize): void {
  const n = hw * c;
  const period = 16 * c;
  const ta = coef + (<usize>(2 * c) << 2), tb = ta + (<usize>period << 2);
  let i = 0;
  for (; i + period <= n; i += period) {
    for (let j = 0; j < period; j += 16) {
      const k = <usize>j << 2;
      const o = dst + (<usize>(i + j) << 2);
      if (isU8) {
        const v = v128.load(src + <usize>(i + j));
        v128.store(o, affine(u8x16ToF32(v, 0), v128.load(ta + k), v128.load(tb + k)));
        v128.store(o, affine(u8x16ToF32(v, 1), v128.load(ta + k, 16), v128.load(tb + k, 16)), 16);
        v128.store(o, affine(u8x16ToF32(v, 2), v128.load(ta + k, 32), v128.load(tb + k, 32)), 32);
        v128.store(o, affine(u8x16ToF32(v, 3), v128.load(ta + k, 48), v128.load(tb + k, 48)), 48);
      } else {
        const s = src + (<usize>(i + j) << 2);
        v128.store(o, affine(v128.load(s), v128.load(ta + k), v128.load(tb + k)));
        v128.store(o, affine(v128.load(s, 16), v128.load(ta + k, 16), v128.load(tb + k, 16)), 16);
        v128.store(o, affine(v128.load(s, 32), v128.load(ta + k, 32), v128.load(tb + k, 32)), 32);
        v128.store(o, affine(v128.load(s, 48), v128.load(ta + k, 48), v128.load(tb + k, 48)), 48);
      }
    }
  }
  for (; i < n; i++) {
    const ch = <usize>(i % c) << 2;
    store<f32>(dst + (<usize>i << 2), loadScalar(isU8, src, <usize>i) * load<f32>(coef + ch) + load<f32>(coef + (<usize>c << 2) + ch));
  }
}

// @ts-ignore: decorator
@inline function normalizeImpl(isU8: bool, src: usize, dst: usize, batch: i32, hw: i32, c: i32, inChw: bool, outChw: bool, coef: usize): void {
  const n = hw * c;
  const inBytes = <usize>n * (isU8 ? 1 : 4), outBytes = <usize>n << 2;
  const plane = <usize>hw;
  for (let img = 0; img < batch; img++) {
    const s = src + <usize>img * inBytes, d = dst + <usize>img * outBytes;
    if (inChw == outChw && (inChw || c == 1)) {
      // Planar in and out (or one channel): one affine loop per plane.
      for (let ch = 0; ch < c; ch++) {
        const off = plane * <usize>ch;
        affinePlane(isU8, s + (isU8 ? off : off << 2), d + (off << 2), hw, load<f32>(coef + (<usize>ch << 2)), load<f32>(coef + (<usize>(c + ch) << 2)));
      }
    } else if (!inChw && !outChw) {
      interleavedAffine(isU8, s, d, hw, c, coef);
    } else if (!inChw && c == 3) {
      rgbToPlanes(isU8, s, d, hw, coef);
    } else {
      // Rare layouts (hwc → chw with c ≠ 1, 3; chw → hwc): a scalar transpose.
      for (let ch = 0; ch < c; ch++) {
        const a = load<f32>(coef + (<usize>ch << 2)), b = load<f32>(coef + (<usize>(c + ch) << 2));
        for (let p = 0; p < hw; p++) {
          const hwcIdx = <usize>p * <usize>c + <usize>ch, chwIdx = <usize>ch * plane + <usize>p;
          const v = loadScalar(isU8, s, inChw ? chwIdx : hwcIdx);
          store<f32>(d + ((outChw ? chwIdx : hwcIdx) << 2), v * a + b);
        }
      }
    }
  }
}

/** u8 images [batch, h*w, c] (layout per flags) → f32, y = x * a[c] + b[c]. */
export function normalize_u8(src: usize, dst: usize, batch: i32, hw: i32, c: i32, inChw: bool, outChw: bool, coef: usize): void {
  normalizeImpl(true, src, dst, batch, hw, c, inChw, outChw, coef);
}

/** f32 images, as normalize_u8. Not in-place when the layout changes. */
export function normalize_f32(src: usize, dst: usize, batch: i32, hw: i32, c: i32, inChw: bool, outChw: bool, coef: usize): void {
  normalizeImpl(false, src, dst, batch, hw, c, inChw, outChw, coef);
}
