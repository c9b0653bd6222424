// Small dense linear algebra for embedding search: matmul and cosine similarity, f32.

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/**
 * C[M,N] = A[M,K] × B[K,N]. Register-blocked 4 rows × 8 columns: per step of K, two vectors of
 * B's row are reused across four rows of A (eight accumulators stay in registers).
 */
export function matmul_f32(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const rowA = <usize>k << 2, rowB = <usize>n << 2;
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * rowA, a1 = a0 + rowA, a2 = a1 + rowA, a3 = a2 + rowA;
    const c0 = c + <usize>i * rowB, c1 = c0 + rowB, c2 = c1 + rowB, c3 = c2 + rowB;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const jo = <usize>j << 2;
      let s00 = f32x4.splat(0), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00;
      let pb = b + jo;
      for (let p = 0; p < k; p++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        const po = <usize>p << 2;
        const x0 = v128.load32_splat(a0 + po), x1 = v128.load32_splat(a1 + po);
        const x2 = v128.load32_splat(a2 + po), x3 = v128.load32_splat(a3 + po);
        s00 = f32x4.add(s00, f32x4.mul(x0, b0)); s01 = f32x4.add(s01, f32x4.mul(x0, b1));
        s10 = f32x4.add(s10, f32x4.mul(x1, b0)); s11 = f32x4.add(s11, f32x4.mul(x1, b1));
        s20 = f32x4.add(s20, f32x4.mul(x2, b0)); s21 = f32x4.add(s21, f32x4.mul(x2, b1));
        s30 = f32x4.add(s30, f32x4.mul(x3, b0)); s31 = f32x4.add(s31, f32x4.mul(x3, b1));
        pb += rowB;
      }
      v128.store(c0 + jo, s00); v128.store(c0 + jo, s01, 16);
      v128.store(c1 + jo, s10); v128.store(c1 + jo, s11, 16);
      v128.store(c2 + jo, s20); v128.store(c2 + jo, s21, 16);
      v128.store(c3 + jo, s30); v128.store(c3 + jo, s31, 16);
    }
    for (; j < n; j++) {
      const jo = <usize>j << 2;
      let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
      for (let p = 0; p < k; p++) {
        const bv = load<f32>(b + <usize>p * rowB + jo);
        const po = <usize>p << 2;
        s0 += load<f32>(a0 + po) * bv; s1 += load<f32>(a1 + po) * bv;
        s2 += load<f32>(a2 + po) * bv; s3 += load<f32>(a3 + po) * bv;
      }
      store<f32>(c0 + jo, s0); store<f32>(c1 + jo, s1); store<f32>(c2 + jo, s2); store<f32>(c3 + jo, s3);
    }
  }
  for (; i < m; i++) {
    const ar = a + <usize>i * rowA, cr = c + <usize>i * rowB;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const jo = <usize>j << 2;
      let s = f32x4.splat(0);
      for (let p = 0; p < k; p++) s = f32x4.add(s, f32x4.mul(v128.load32_splat(ar + (<usize>p << 2)), v128.load(b + <usize>p * rowB + jo)));
      v128.store(cr + jo, s);
    }
    for (; j < n; j++) {
      let s: f32 = 0;
      for (let p = 0; p < k; p++) s += load<f32>(ar + (<usize>p << 2)) * load<f32>(b + <usize>p * rowB + (<usize>j << 2));
      store<f32>(cr + (<usize>j << 2), s);
    }
  }
}

// @ts-ignore: decorator
@inline function dot(x: usize, y: usize, d: i32): f32 {
  let s0 = f32x4.splat(0), s1 = s0;
  let p = 0;
  for (; p + 8 <= d; p += 8) {
    const o = <usize>p << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(x + o), v128.load(y + o)));
    s1 = f32x4.add(s1, f32x4.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  for (; p + 4 <= d; p += 4) {
    const o = <usize>p << 2;
    s0 = f32x4.add(s0, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; p < d; p++) s += load<f32>(x + (<usize>p << 2)) * load<f32>(y + (<usize>p << 2));
  return s;
}

/**
 * out[M,N] = cos(A[i], B[j]) for rows of A[M,D] and B[N,D]; a zero row scores 0. `norms` is
 * scratch for M + N f32.
 */
export function cosine_f32(a: usize, b: usize, out: usize, m: i32, n: i32, d: i32, norms: usize): void {
  const row = <usize>d << 2;
  for (let i = 0; i < m; i++) {
    const r = a + <usize>i * row;
    store<f32>(norms + (<usize>i << 2), Mathf.sqrt(dot(r, r, d)));
  }
  const nb = norms + (<usize>m << 2);
  for (let j = 0; j < n; j++) {
    const r = b + <usize>j * row;
    store<f32>(nb + (<usize>j << 2), Mathf.sqrt(dot(r, r, d)));
  }
  for (let i = 0; i < m; i++) {
    const ra = a + <usize>i * row;
    const na = load<f32>(norms + (<usize>i << 2));
    for (let j = 0; j < n; j++) {
      const den = na * load<f32>(nb + (<usize>j << 2));
      const s = dot(ra, b + <usize>j * row, d);
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), den == 0 ? 0 : s / den);
    }
  }
}
