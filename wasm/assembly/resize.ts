// Resize over the two spatial axes, bit-exact with the js reference (which follows onnxruntime's
// CPU Resize): the same sampling tables (kernels/js/resize-weights.ts, laid out in memory by
// kernels/wasm/resize-tables.ts) and the same arithmetic, vectorized across independent outputs
// so every output keeps the reference's order of operations.
//
// Images are [planes, H, W, C] (hwc: planes = N; chw: planes = N*C, C = 1).
//
// Axis table (i32 words at `t`): outLen, maxTaps, maxGroups, 0, then byte offsets from `t` of
// start[outLen], count[outLen], fixed[outLen*maxTaps] (i32), weights[outLen*maxTaps] (f32) and
// groups[outLen*maxGroups] (six v128 each: see wPassU8Rgb).
//
// Kernels may read up to 32 bytes past the last element of an input or scratch image; the heap
// keeps that much slack at the top of memory, and the bytes read there are multiplied by 0.

// @ts-ignore: decorator
@inline function tabMaxTaps(t: usize): i32 { return load<i32>(t, 4); }
// @ts-ignore: decorator
@inline function tabMaxGroups(t: usize): i32 { return load<i32>(t, 8); }
// @ts-ignore: decorator
@inline function tabStart(t: usize, i: i32): i32 { return load<i32>(t + <usize>load<u32>(t, 16) + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function tabCount(t: usize, i: i32): i32 { return load<i32>(t + <usize>load<u32>(t, 20) + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function tabFixed(t: usize): usize { return t + <usize>load<u32>(t, 24); }
// @ts-ignore: decorator
@inline function tabWeights(t: usize): usize { return t + <usize>load<u32>(t, 28); }
// @ts-ignore: decorator
@inline function tabGroups(t: usize): usize { return t + <usize>load<u32>(t, 32); }

const HALF22: i32 = 1 << 21;

// ---- antialias, u8: ORT's Q22 filter, W pass then H pass, each rounding half up to u8 --------

// The W pass for 3 interleaved channels, 8 taps at a time, with no shuffle masks (V8
// re-materializes immediate masks on every use in a loop). With A..D the 8 bytes at p, p+6,
// p+12, p+18 widened to i16 (one pmovzxbw load each), the i16 interleaves give tap pairs two
// pixels apart:
//   lo(A,B) = [R0 R2 G0 G2 B0 B2 R1 R3]   lo(C,D) = [R4 R6 G4 G6 B4 B6 R5 R7]
//   hi(A,B)[0..3] ++ hi(C,D)[0..3] = [G1 G3 B1 B3 G5 G7 B5 B7]
// — 24 products, none wasted. i32x4.dot_i16x8_s against matching weight vectors sums each pair,
// into accumulators with lanes x = [R G B R] (both lo vectors) and y = [G B G B].
// Q22 weights do not fit i16, so each is split as hi * 2^11 + lo and both halves get their
// dots; all sums are exact in i32. Weight vectors per output and group (resize-tables.ts):
// hi of w1 w2 w3, then lo of w1 w2 w3, with
//   w1 = [w0 w2 w0 w2 w0 w2 w1 w3], w2 = [w4 w6 w4 w6 w4 w6 w5 w7], w3 = [w1 w3 w1 w3 w5 w7 w5 w7].

// @ts-ignore: decorator
@inline function storeRgb(d: usize, x: v128, y: v128): void {
  // y + y.zw = [G' B' . .]; then [x0 + x3, x1 + G', x2 + B'].
  const t = i32x4.add(y, v128.shuffle<i32>(y, y, 2, 3, 2, 3));
  const sum = i32x4.add(x, v128.shuffle<i32>(x, t, 3, 4, 5, 3));
  const v = i32x4.shr_s(i32x4.add(sum, i32x4.splat(HALF22)), 22);
  const u = i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(v, v), i16x8.narrow_i32x4_s(v, v));
  v128.store16_lane(d, u, 0);
  v128.store8_lane(d, u, 2, 2);
}

// One group of one row: its contribution to the [R G B R] accumulator (groupX) and to the
// [G B G B] one (groupY).
// @ts-ignore: decorator
@inline function groupX(p: usize, h1: v128, h2: v128, l1: v128, l2: v128): v128 {
  const a = v128.load8x8_u(p), b = v128.load8x8_u(p, 6), c = v128.load8x8_u(p, 12), d = v128.load8x8_u(p, 18);
  const ab = v128.shuffle<i16>(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
  const cd = v128.shuffle<i16>(c, d, 0, 8, 1, 9, 2, 10, 3, 11);
  const xh = i32x4.add(i32x4.dot_i16x8_s(ab, h1), i32x4.dot_i16x8_s(cd, h2));
  const xl = i32x4.add(i32x4.dot_i16x8_s(ab, l1), i32x4.dot_i16x8_s(cd, l2));
  return i32x4.add(i32x4.shl(xh, 11), xl);
}

// @ts-ignore: decorator
@inline function groupY(p: usize, h3: v128, l3: v128): v128 {
  const a = v128.load8x8_u(p), b = v128.load8x8_u(p, 6), c = v128.load8x8_u(p, 12), d = v128.load8x8_u(p, 18);
  const gb = v128.shuffle<i64>(v128.shuffle<i16>(a, b, 4, 12, 5, 13, 6, 14, 7, 15), v128.shuffle<i16>(c, d, 4, 12, 5, 13, 6, 14, 7, 15), 0, 2);
  return i32x4.add(i32x4.shl(i32x4.dot_i16x8_s(gb, h3), 11), i32x4.dot_i16x8_s(gb, l3));
}

function wPassU8Rgb(src: usize, dst: usize, rows: i32, w: i32, ow: i32, xt: usize): void {
  const inRow = <usize>w * 3, outRow = <usize>ow * 3;
  const groupStride = <usize>tabMaxGroups(xt) * 96;
  const groups = tabGroups(xt);
  const zero = i32x4.splat(0);
  // Four rows per pass share the table lookups and weight loads; missing rows repeat the last.
  for (let r = 0; r < rows; r += 4) {
    const s0 = src + <usize>r * inRow;
    const s1 = r + 1 < rows ? s0 + inRow : s0;
    const s2 = r + 2 < rows ? s1 + inRow : s1;
    const s3 = r + 3 < rows ? s2 + inRow : s2;
    const d0 = dst + <usize>r * outRow;
    const d1 = r + 1 < rows ? d0 + outRow : d0;
    const d2 = r + 2 < rows ? d1 + outRow : d1;
    const d3 = r + 3 < rows ? d2 + outRow : d2;
    for (let ox = 0; ox < ow; ox++) {
      const ng = (tabCount(xt, ox) + 7) >> 3;
      const off = <usize>tabStart(xt, ox) * 3;
      let p0 = s0 + off, p1 = s1 + off, p2 = s2 + off, p3 = s3 + off;
      let wp = groups + <usize>ox * groupStride;
      let x0 = zero, y0 = zero, x1 = zero, y1 = zero, x2 = zero, y2 = zero, x3 = zero, y3 = zero;
      for (let g = 0; g < ng; g++) {
        const h1 = v128.load(wp), h2 = v128.load(wp, 16), l1 = v128.load(wp, 48), l2 = v128.load(wp, 64);
        x0 = i32x4.add(x0, groupX(p0, h1, h2, l1, l2));
        x1 = i32x4.add(x1, groupX(p1, h1, h2, l1, l2));
        x2 = i32x4.add(x2, groupX(p2, h1, h2, l1, l2));
        x3 = i32x4.add(x3, groupX(p3, h1, h2, l1, l2));
        const h3 = v128.load(wp, 32), l3 = v128.load(wp, 80);
        y0 = i32x4.add(y0, groupY(p0, h3, l3));
        y1 = i32x4.add(y1, groupY(p1, h3, l3));
        y2 = i32x4.add(y2, groupY(p2, h3, l3));
        y3 = i32x4.add(y3, groupY(p3, h3, l3));
        p0 += 24; p1 += 24; p2 += 24; p3 += 24;
        wp += 96;
      }
      const o = <usize>ox * 3;
      storeRgb(d3 + o, x3, y3);
      storeRgb(d2 + o, x2, y2);
      storeRgb(d1 + o, x1, y1);
      storeRgb(d0 + o, x0, y0);
    }
  }
}

// Any channel count: one output value at a time.
function wPassU8Scalar(src: usize, dst: usize, rows: i32, w: i32, c: i32, ow: i32, xt: usize): void {
  const fixed = tabFixed(xt), maxTaps = tabMaxTaps(xt);
  const inRow = <usize>w * <usize>c, outRow = <usize>ow * <usize>c;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * inRow, d = dst + <usize>r * outRow;
    for (let ox = 0; ox < ow; ox++) {
      const first = s + <usize>tabStart(xt, ox) * <usize>c, n = tabCount(xt, ox);
      const wrow = fixed + (<usize>(ox * maxTaps) << 2);
      for (let ch = 0; ch < c; ch++) {
        let acc = HALF22;
        for (let t = 0; t < n; t++) acc += load<i32>(wrow + (<usize>t << 2)) * <i32>load<u8>(first + <usize>(t * c + ch));
        acc >>= 22;
        store<u8>(d + <usize>(ox * c + ch), <u8>(acc < 0 ? 0 : acc > 255 ? 255 : acc));
      }
    }
  }
}

// The H pass: every output row is Σ_t w_t · row_{start+t}, vectorized 16 bytes at a time along
// the row (rowLen = OW * C contiguous values), i32x4.mul with the full Q22 weight.
function hPassU8(src: usize, dst: usize, planes: i32, h: i32, rowLen: i32, oh: i32, yt: usize): void {
  const fixed = tabFixed(yt), maxTaps = tabMaxTaps(yt);
  const row = <usize>rowLen;
  const half = i32x4.splat(HALF22);
  for (let p = 0; p < planes; p++) {
    const sp = src + <usize>p * <usize>h * row, dp = dst + <usize>p * <usize>oh * row;
    for (let oy = 0; oy < oh; oy++) {
      const first = sp + <usize>tabStart(yt, oy) * row, n = tabCount(yt, oy);
      const wrow = fixed + (<usize>(oy * maxTaps) << 2);
      const d = dp + <usize>oy * row;
      let x = 0;
      for (; x + 16 <= rowLen; x += 16) {
        let a0 = half, a1 = half, a2 = half, a3 = half;
        let s = first + <usize>x;
        for (let t = 0; t < n; t++) {
          const wv = v128.load32_splat(wrow + (<usize>t << 2));
          const v = v128.load(s);
          const lo = i16x8.extend_low_i8x16_u(v), hi = i16x8.extend_high_i8x16_u(v);
          a0 = i32x4.add(a0, i32x4.mul(i32x4.extend_low_i16x8_u(lo), wv));
          a1 = i32x4.add(a1, i32x4.mul(i32x4.extend_high_i16x8_u(lo), wv));
          a2 = i32x4.add(a2, i32x4.mul(i32x4.extend_low_i16x8_u(hi), wv));
          a3 = i32x4.add(a3, i32x4.mul(i32x4.extend_high_i16x8_u(hi), wv));
          s += row;
        }
        a0 = i32x4.shr_s(a0, 22); a1 = i32x4.shr_s(a1, 22);
        a2 = i32x4.shr_s(a2, 22); a3 = i32x4.shr_s(a3, 22);
        v128.store(d + <usize>x, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(a0, a1), i16x8.narrow_i32x4_s(a2, a3)));
      }
      for (; x < rowLen; x++) {
        let acc = HALF22;
        for (let t = 0; t < n; t++) acc += load<i32>(wrow + (<usize>t << 2)) * <i32>load<u8>(first + <usize>t * row + <usize>x);
        acc >>= 22;
        store<u8>(d + <usize>x, <u8>(acc < 0 ? 0 : acc > 255 ? 255 : acc));
      }
    }
  }
}

/** Antialiased linear resize of u8 images; `tmp` holds planes * H * OW * C bytes. */
export function resize_aa_u8(src: usize, dst: usize, tmp: usize, planes: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, yt: usize, xt: usize): void {
  const rows = planes * h;
  if (c == 3) wPassU8Rgb(src, tmp, rows, w, ow, xt);
  else wPassU8Scalar(src, tmp, rows, w, c, ow, xt);
  hPassU8(tmp, dst, planes, h, ow * c, oh, yt);
}

// ---- antialias, f32: acc = f32(acc + f32(x * w)) from 0, W pass then H pass -----------------

function wPassF32(src: usize, dst: usize, rows: i32, w: i32, c: i32, ow: i32, xt: usize): void {
  const weights = tabWeights(xt), maxTaps = tabMaxTaps(xt);
  const inRow = <usize>w * <usize>c << 2, outRow = <usize>ow * <usize>c << 2;
  const pix = <usize>c << 2;
  for (let r = 0; r < rows; r++) {
    const s = src + <usize>r * inRow, d = dst + <usize>r * outRow;
    for (let ox = 0; ox < ow; ox++) {
      const first = s + <usize>tabStart(xt, ox) * pix, n = tabCount(xt, ox);
      const wrow = weights + (<usize>(ox * maxTaps) << 2);
      const o = d + <usize>ox * pix;
      if (c == 3 || c == 4) {
        // Channels in lanes (lane 3 of an RGB pixel is the next pixel's R, never stored).
        let acc = f32x4.splat(0);
        for (let t = 0; t < n; t++) acc = f32x4.add(acc, f32x4.mul(v128.load(first + <usize>t * pix), v128.load32_splat(wrow + (<usize>t << 2))));
        if (c == 4) v128.store(o, acc);
        else {
          v128.store64_lane(o, acc, 0);
          v128.store32_lane(o, acc, 2, 8);
        }
      } else {
        for (let ch = 0; ch < c; ch++) {
          let acc: f32 = 0;
          for (let t = 0; t < n; t++) acc += load<f32>(first + <usize>t * pix + (<usize>ch << 2)) * load<f32>(wrow + (<usize>t << 2));
          store<f32>(o + (<usize>ch << 2), acc);
        }
      }
    }
  }
}

function hPassF32(src: usize, dst: usize, planes: i32, h: i32, rowLen: i32, oh: i32, yt: usize): void {
  const weights = tabWeights(yt), maxTaps = tabMaxTaps(yt);
  const row = <usize>rowLen << 2;
  for (let p = 0; p < planes; p++) {
    const sp = src + <usize>p * <usize>h * row, dp = dst + <usize>p * <usize>oh * row;
    for (let oy = 0; oy < oh; oy++) {
      const first = sp + <usize>tabStart(yt, oy) * row, n = tabCount(yt, oy);
      const wrow = weights + (<usize>(oy * maxTaps) << 2);
      const d = dp + <usize>oy * row;
      let x = 0;
      for (; x + 8 <= rowLen; x += 8) {
        let a0 = f32x4.splat(0), a1 = a0;
        let s = first + (<usize>x << 2);
        for (let t = 0; t < n; t++) {
          const wv = v128.load32_splat(wrow + (<usize>t << 2));
          a0 = f32x4.add(a0, f32x4.mul(v128.load(s), wv));
          a1 = f32x4.add(a1, f32x4.mul(v128.load(s, 16), wv));
          s += row;
        }
        v128.store(d + (<usize>x << 2), a0);
        v128.store(d + (<usize>x << 2), a1, 16);
      }
      for (; x < rowLen; x++) {
        let acc: f32 = 0;
        for (let t = 0; t < n; t++) acc += load<f32>(first + <usize>t * row + (<usize>x << 2)) * load<f32>(wrow + (<usize>t << 2));
        store<f32>(d + (<usize>x << 2), acc);
      }
    }
  }
}

/** Antialiased linear resize of f32 images; `tmp` holds planes * H * OW * C floats. */
export function resize_aa_f32(src: usize, dst: usize, tmp: usize, planes: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, yt: usize, xt: usize): void {
  wPassF32(src, tmp, planes * h, w, c, ow, xt);
  hPassF32(tmp, dst, planes, h, ow * c, oh, yt);
}

// ---- plain linear (ORT's bilinear) -----------------------------------------------------------

/**
 * u8: ORT's integer bilinear, floor(Σ fy·fx·x / 2^20) in Q10. Integer sums are exact, so it runs
 * separably: the H taps first into an i32 row (`tmp`: W * C i32), then the W taps.
 */
export function resize_linear_u8(src: usize, dst: usize, tmp: usize, planes: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, yt: usize, xt: usize): void {
  const rowLen = w * c, row = <usize>rowLen;
  const yf = tabFixed(yt), xf = tabFixed(xt);
  for (let p = 0; p < planes; p++) {
    const sp = src + <usize>p * <usize>h * row;
    let d = dst + <usize>p * <usize>oh * <usize>ow * <usize>c;
    for (let oy = 0; oy < oh; oy++) {
      const r0 = sp + <usize>tabStart(yt, oy) * row;
      const two = tabCount(yt, oy) == 2;
      const f0 = load<i32>(yf + (<usize>oy << 3)), f1 = two ? load<i32>(yf + (<usize>oy << 3), 4) : 0;
      const r1 = two ? r0 + row : r0;
      const w0 = i16x8.splat(<i16>f0), w1 = i16x8.splat(<i16>f1);
      let x = 0;
      for (; x + 8 <= rowLen; x += 8) {
        const a = v128.load8x8_u(r0 + <usize>x), b = v128.load8x8_u(r1 + <usize>x);
        const o = tmp + (<usize>x << 2);
        v128.store(o, i32x4.add(i32x4.extmul_low_i16x8_s(a, w0), i32x4.extmul_low_i16x8_s(b, w1)));
        v128.store(o, i32x4.add(i32x4.extmul_high_i16x8_s(a, w0), i32x4.extmul_high_i16x8_s(b, w1)), 16);
      }
      for (; x < rowLen; x++) store<i32>(tmp + (<usize>x << 2), f0 * <i32>load<u8>(r0 + <usize>x) + f1 * <i32>load<u8>(r1 + <usize>x));
      for (let ox = 0; ox < ow; ox++) {
        const s = tmp + (<usize>(tabStart(xt, ox) * c) << 2);
        const g0 = load<i32>(xf + (<usize>ox << 3));
        const g1 = tabCount(xt, ox) == 2 ? load<i32>(xf + (<usize>ox << 3), 4) : 0;
        const next = g1 != 0 ? <usize>c << 2 : 0;
        for (let ch = 0; ch < c; ch++) {
          const q = s + (<usize>ch << 2);
          store<u8>(d, <u8>((g0 * load<i32>(q) + g1 * load<i32>(q + next)) >> 20));
          d++;
        }
      }
    }
  }
}

/** f32: ORT's bilinear, acc = f32(acc + f32(f32(wx·wy)·x)) with y taps outer, x taps inner. */
export function resize_linear_f32(src: usize, dst: usize, planes: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, yt: usize, xt: usize): void {
  const pix = <usize>c << 2, row = <usize>w * pix;
  const yw = tabWeights(yt), xw = tabWeights(xt);
  const vec = c == 3 || c == 4;
  let d = dst;
  for (let p = 0; p < planes; p++) {
    const sp = src + <usize>p * <usize>h * row;
    for (let oy = 0; oy < oh; oy++) {
      const ny = tabCount(yt, oy);
      const ry = sp + <usize>tabStart(yt, oy) * row;
      for (let ox = 0; ox < ow; ox++) {
        const nx = tabCount(xt, ox);
        const px = ry + <usize>tabStart(xt, ox) * pix;
        if (vec) {
          let acc = f32x4.splat(0);
          for (let ty = 0; ty < ny; ty++) {
            const wy = load<f32>(yw + (<usize>(2 * oy + ty) << 2));
            for (let tx = 0; tx < nx; tx++) {
              const wxy = load<f32>(xw + (<usize>(2 * ox + tx) << 2)) * wy;
              acc = f32x4.add(acc, f32x4.mul(f32x4.splat(wxy), v128.load(px + <usize>ty * row + <usize>tx * pix)));
            }
          }
          if (c == 4) v128.store(d, acc);
          else {
            v128.store64_lane(d, acc, 0);
            v128.store32_lane(d, acc, 2, 8);
          }
          d += pix;
        } else {
          for (let ch = 0; ch < c; ch++) {
            let acc: f32 = 0;
            for (let ty = 0; ty < ny; ty++) {
              const wy = load<f32>(yw + (<usize>(2 * oy + ty) << 2));
              for (let tx = 0; tx < nx; tx++) {
                acc += load<f32>(xw + (<usize>(2 * ox + tx) << 2)) * wy * load<f32>(px + <usize>ty * row + <usize>tx * pix + (<usize>ch << 2));
              }
            }
            store<f32>(d, acc);
            d += 4;
          }
        }
      }
    }
  }
}

// ---- nearest ---------------------------------------------------------------------------------

/**
 * Gather: output (p, y, x) copies the pixel (p, rows[y], cols[x]) of `pixBytes` bytes. `rows`
 * and `cols` are i32 index tables.
 */
export function resize_nearest(src: usize, dst: usize, planes: i32, h: i32, w: i32, pixBytes: i32, oh: i32, ow: i32, rows: usize, cols: usize): void {
  const pb = <usize>pixBytes, row = <usize>w * pb;
  const words = (pixBytes & 3) == 0;
  let d = dst;
  for (let p = 0; p < planes; p++) {
    const sp = src + <usize>p * <usize>h * row;
    for (let y = 0; y < oh; y++) {
      const r = sp + <usize>load<i32>(rows + (<usize>y << 2)) * row;
      for (let x = 0; x < ow; x++) {
        const s = r + <usize>load<i32>(cols + (<usize>x << 2)) * pb;
        if (words) for (let k: usize = 0; k < pb; k += 4) store<u32>(d + k, load<u32>(s + k));
        else for (let k: usize = 0; k < pb; k++) store<u8>(d + k, load<u8>(s + k));
        d += pb;
      }
    }
  }
}
