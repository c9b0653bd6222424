// ArgMax and TopK along an axis of a tensor seen as [outer, len, inner].

// ---- argmax ----------------------------------------------------------------------------------
// The reference starts from element 0 and replaces the best on `v > best` (`>=` with
// selectLastIndex), so a NaN never wins unless it is element 0. Vector lanes keep a running
// (best, index) per residue class or per neighbouring lane, all seeded with element 0, which
// keeps that rule exact.

// Lanes spilled from registers to merge them (wasm lane indices must be constants).
const SPILL = memory.data(32, 16);

// @ts-ignore: decorator
@inline function better(isF32: bool, last: bool, v: v128, best: v128): v128 {
  if (isF32) return last ? f32x4.ge(v, best) : f32x4.gt(v, best);
  return last ? i32x4.ge_s(v, best) : i32x4.gt_s(v, best);
}

// @ts-ignore: decorator
@inline function beats(isF32: bool, last: bool, v: v128, best: v128): bool {
  return i32x4.extract_lane(better(isF32, last, v, best), 0) != 0;
}

// @ts-ignore: decorator
@inline function argmaxRow(isF32: bool, last: bool, src: usize, len: i32): i32 {
  const first = v128.load32_splat(src);
  let best = first, idx = i32x4.splat(0);
  let jv = i32x4(0, 1, 2, 3);
  const four = i32x4.splat(4);
  let j = 0;
  for (; j + 4 <= len; j += 4) {
    const v = v128.load(src + (<usize>j << 2));
    const m = better(isF32, last, v, best);
    best = v128.bitselect(v, best, m);
    idx = v128.bitselect(jv, idx, m);
    jv = i32x4.add(jv, four);
  }
  // Merge the four residue classes: the greater value wins; on a tie the smaller index (the
  // larger with selectLastIndex), which is what one sequential scan would have kept.
  v128.store(SPILL, best);
  v128.store(SPILL, idx, 16);
  let bv = first, bi = 0;
  for (let l: usize = 0; l < 4; l++) {
    const v = v128.load32_splat(SPILL + (l << 2));
    const i = load<i32>(SPILL + 16 + (l << 2));
    if (beats(isF32, false, v, bv)) { bv = v; bi = i; }
    else if (eqLane(isF32, v, bv) && (last ? i > bi : i < bi)) bi = i;
  }
  for (; j < len; j++) {
    const v = v128.load32_splat(src + (<usize>j << 2));
    if (beats(isF32, last, v, bv)) { bv = v; bi = j; }
  }
  return bi;
}

// @ts-ignore: decorator
@inline function eqLane(isF32: bool, a: v128, b: v128): bool {
  return i32x4.extract_lane(isF32 ? f32x4.eq(a, b) : i32x4.eq(a, b), 0) != 0;
}

// @ts-ignore: decorator
@inline function argmaxImpl(isF32: bool, last: bool, src: usize, dst: usize, outer: i32, len: i32, inner: i32): void {
  const laneBytes = <usize>len * <usize>inner << 2;
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const s = src + <usize>o * laneBytes;
    const d = dst + (<usize>o * <usize>inner << 2);
    if (inner == 1) {
      store<i32>(d, argmaxRow(isF32, last, s, len));
      continue;
    }
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const p = s + (<usize>i << 2);
      let best = v128.load(p), idx = i32x4.splat(0);
      for (let j = 1; j < len; j++) {
        const v = v128.load(p + <usize>j * stride);
        const m = better(isF32, last, v, best);
        best = v128.bitselect(v, best, m);
        idx = v128.bitselect(i32x4.splat(j), idx, m);
      }
      v128.store(d + (<usize>i << 2), idx);
    }
    for (; i < inner; i++) {
      const p = s + (<usize>i << 2);
      let best = v128.load32_splat(p), bi = 0;
      for (let j = 1; j < len; j++) {
        const v = v128.load32_splat(p + <usize>j * stride);
        if (beats(isF32, last, v, best)) { best = v; bi = j; }
      }
      store<i32>(d + (<usize>i << 2), bi);
    }
  }
}

/** Index of the maximum along len for every (outer, inner) lane → i32 at dst[outer * inner]. */
export function argmax_f32(src: usize, dst: usize, outer: i32, len: i32, inner: i32, selectLast: bool): void {
  if (selectLast) argmaxImpl(true, true, src, dst, outer, len, inner);
  else argmaxImpl(true, false, src, dst, outer, len, inner);
}

export function argmax_i32(src: usize, dst: usize, outer: i32, len: i32, inner: i32, selectLast: bool): void {
  if (selectLast) argmaxImpl(false, true, src, dst, outer, len, inner);
  else argmaxImpl(false, false, src, dst, outer, len, inner);
}

// ---- topk ------------------------------------------------------------------------------------
// Each element becomes one u64 key, (order(value) << 32) | index, whose ascending order is the
// wanted output order: values mapped to a monotone u32 (NaN greatest, -0 == +0), complemented
// when `largest`, and equal values broken by ascending index. Selection is then a bounded
// max-heap of the k smallest keys (O(len log k)), finished by heapsort.

// @ts-ignore: decorator
@inline function orderBits(v: f32, largest: bool): u64 {
  let b = reinterpret<u32>(v + 0); // + 0 turns -0 into +0
  if (isNaN(v)) b = 0xffffffff;
  else b = (b & 0x80000000) != 0 ? ~b : b | 0x80000000;
  return <u64>(largest ? ~b : b);
}

// @ts-ignore: decorator
@inline function siftDown(heap: usize, i: i32, size: i32): void {
  const x = load<u64>(heap + (<usize>i << 3));
  for (;;) {
    let c = 2 * i + 1;
    if (c >= size) break;
    let cv = load<u64>(heap + (<usize>c << 3));
    if (c + 1 < size) {
      const rv = load<u64>(heap + (<usize>(c + 1) << 3));
      if (rv > cv) { c++; cv = rv; }
    }
    if (cv <= x) break;
    store<u64>(heap + (<usize>i << 3), cv);
    i = c;
  }
  store<u64>(heap + (<usize>i << 3), x);
}

/**
 * TopK along len: values (f32) and indices (i32) written as [outer, k, inner]; `heap` is scratch
 * for k u64 keys.
 */
export function topk_f32(src: usize, vals: usize, idxs: usize, outer: i32, len: i32, inner: i32, k: i32, largest: bool, heap: usize): void {
  if (k == 0) return;
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = src + ((<usize>o * <usize>len * <usize>inner + <usize>i) << 2);
      // Fill with the first k keys, heapify, then keep the k smallest.
      for (let j = 0; j < k; j++) {
        const key = (orderBits(load<f32>(base + <usize>j * stride), largest) << 32) | <u64>j;
        store<u64>(heap + (<usize>j << 3), key);
      }
      for (let j = (k >> 1) - 1; j >= 0; j--) siftDown(heap, j, k);
      for (let j = k; j < len; j++) {
        const key = (orderBits(load<f32>(base + <usize>j * stride), largest) << 32) | <u64>j;
        if (key < load<u64>(heap)) {
          store<u64>(heap, key);
          siftDown(heap, 0, k);
        }
      }
      for (let end = k - 1; end > 0; end--) {
        const top = load<u64>(heap);
        store<u64>(heap, load<u64>(heap + (<usize>end << 3)));
        store<u64>(heap + (<usize>end << 3), top);
        siftDown(heap, 0, end);
      }
      const outBase = (<usize>o * <usize>k * <usize>inner + <usize>i) << 2;
      for (let r = 0; r < k; r++) {
        const j = <i32>(load<u64>(heap + (<usize>r << 3)) & 0xffffffff);
        const at = outBase + <usize>r * stride;
        store<f32>(vals + at, load<f32>(base + <usize>j * stride));
        store<i32>(idxs + at, j);
      }
    }
  }
}
