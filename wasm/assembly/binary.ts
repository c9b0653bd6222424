// Binary elementwise kernels with numpy broadcasting. Fast paths: same shape (`binary_f32`),
// one scalar operand (`binary_vs_f32`: a OP s, `binary_sv_f32`: s OP b), one operand repeating
// with a short period (`binary_tiled_f32`); everything else goes through `binary_bcast_*`, which
// walks the outer axes with an odometer and runs one of the fast paths on each contiguous row. All loops are safe in place (out == a or out == b).
import { binaryVecF32, binaryVecI32 } from "./vec-ops";
import { B_ADD, B_DIV, B_MAX, B_MIN, B_MUL, B_POW, B_SUB } from "./op-codes";

// @ts-ignore: decorator
@inline function binVec(isF32: bool, op: i32, a: v128, b: v128): v128 {
  return isF32 ? binaryVecF32(op, a, b) : binaryVecI32(op, a, b);
}

// Tails run the vector op on lane 0 of splats, so a value's result never depends on its position.
// @ts-ignore: decorator
@inline function binTail(isF32: bool, op: i32, a: usize, b: usize, out: usize): void {
  if (isF32) store<f32>(out, f32x4.extract_lane(binaryVecF32(op, v128.load32_splat(a), v128.load32_splat(b)), 0));
  else store<i32>(out, i32x4.extract_lane(binaryVecI32(op, v128.load32_splat(a), v128.load32_splat(b)), 0));
}

// @ts-ignore: decorator
@inline function loopVV(isF32: bool, op: i32, a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, binVec(isF32, op, v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    binTail(isF32, op, a + o, b + o, out + o);
  }
}

// a OP s (s is the splatted scalar, held in memory at sp so the tail can reuse binTail).
// @ts-ignore: decorator
@inline function loopVS(isF32: bool, op: i32, a: usize, sp: usize, out: usize, n: i32): void {
  const s = v128.load32_splat(sp);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, binVec(isF32, op, v128.load(a + o), s));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    binTail(isF32, op, a + o, sp, out + o);
  }
}

// s OP b
// @ts-ignore: decorator
@inline function loopSV(isF32: bool, op: i32, sp: usize, b: usize, out: usize, n: i32): void {
  const s = v128.load32_splat(sp);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, binVec(isF32, op, s, v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    binTail(isF32, op, sp, b + o, out + o);
  }
}

/**
 * Broadcast walk. `params` holds i32 words: shape[rank], strideA[rank], strideB[rank] (element
 * strides, 0 on broadcast axes; the JS side has dropped size-1 axes and merged contiguous ones),
 * then rank words of scratch for the odometer. The last axis has strides 0 or 1.
 */
// @ts-ignore: decorator
@inline function bcast(isF32: bool, op: i32, a: usize, b: usize, out: usize, rank: i32, params: usize): void {
  const shape = params;
  const sa = params + (<usize>rank << 2);
  const sb = sa + (<usize>rank << 2);
  const idx = sb + (<usize>rank << 2);
  const last = <usize>(rank - 1) << 2;
  const inner = load<i32>(shape + last);
  const innerA = load<i32>(sa + last);
  const innerB = load<i32>(sb + last);
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) {
    rows *= load<i32>(shape + (<usize>d << 2));
    store<i32>(idx + (<usize>d << 2), 0);
  }
  let offA: usize = 0, offB: usize = 0, offO: usize = 0;
  const rowBytes = <usize>inner << 2;
  for (let r = 0; r < rows; r++) {
    const pa = a + (offA << 2), pb = b + (offB << 2), po = out + offO;
    if (innerA != 0 && innerB != 0) loopVV(isF32, op, pa, pb, po, inner);
    else if (innerA != 0) loopVS(isF32, op, pa, pb, po, inner);
    else if (innerB != 0) loopSV(isF32, op, pa, pb, po, inner);
    else loopVS(isF32, op, pa, pb, po, inner); // inner == 1
    offO += rowBytes;
    for (let d = rank - 2; d >= 0; d--) {
      const dp = <usize>d << 2;
      const i = load<i32>(idx + dp) + 1;
      const sad = <usize>load<i32>(sa + dp), sbd = <usize>load<i32>(sb + dp);
      offA += sad;
      offB += sbd;
      const size = load<i32>(shape + dp);
      if (i < size) {
        store<i32>(idx + dp, i);
        break;
      }
      store<i32>(idx + dp, 0);
      offA -= sad * <usize>size;
      offB -= sbd * <usize>size;
    }
  }
}

// a OP b where one operand repeats with period `period` (it is held tiled, `period` elements
// long): the JS side turns [rows, P] ⊕ [P] with small P into this, so the vector loop runs over
// long stretches instead of P-element rows.
// @ts-ignore: decorator
@inline function tiled(isF32: bool, op: i32, a: usize, b: usize, out: usize, n: i32, period: i32, tileIsB: bool): void {
  for (let off = 0; off < n; off += period) {
    const len = min(period, n - off);
    const o = <usize>off << 2;
    if (tileIsB) loopVV(isF32, op, a + o, b, out + o, len);
    else loopVV(isF32, op, a, b + o, out + o, len);
  }
}

// One specialized copy of each loop per op; the switch runs once per call.
// @ts-ignore: decorator
@inline function dispatch(isF32: bool, kind: i32, op: i32, a: usize, b: usize, out: usize, n: i32, params: usize): void {
  switch (op) {
    case B_ADD: run(isF32, kind, B_ADD, a, b, out, n, params); break;
    case B_SUB: run(isF32, kind, B_SUB, a, b, out, n, params); break;
    case B_MUL: run(isF32, kind, B_MUL, a, b, out, n, params); break;
    case B_DIV: run(isF32, kind, B_DIV, a, b, out, n, params); break;
    case B_MIN: run(isF32, kind, B_MIN, a, b, out, n, params); break;
    case B_MAX: run(isF32, kind, B_MAX, a, b, out, n, params); break;
    default: if (isF32) run(isF32, kind, B_POW, a, b, out, n, params);
  }
}

// @ts-ignore: decorator
@inline function run(isF32: bool, kind: i32, op: i32, a: usize, b: usize, out: usize, n: i32, params: usize): void {
  switch (kind) {
    case 0: loopVV(isF32, op, a, b, out, n); break;
    case 1: loopVS(isF32, op, a, b, out, n); break;
    case 2: loopSV(isF32, op, a, b, out, n); break;
    case 3: bcast(isF32, op, a, b, out, n, params); break;
    case 4: tiled(isF32, op, a, b, out, n, <i32>params, true); break;
    default: tiled(isF32, op, a, b, out, n, <i32>params, false);
  }
}

/** out = a OP b, same shape, n f32 values; op is a B_* code. */
export function binary_f32(op: i32, a: usize, b: usize, out: usize, n: i32): void { dispatch(true, 0, op, a, b, out, n, 0); }
/** out = a OP s where s is the f32 at sp. */
export function binary_vs_f32(op: i32, a: usize, sp: usize, out: usize, n: i32): void { dispatch(true, 1, op, a, sp, out, n, 0); }
/** out = s OP b where s is the f32 at sp. */
export function binary_sv_f32(op: i32, sp: usize, b: usize, out: usize, n: i32): void { dispatch(true, 2, op, sp, b, out, n, 0); }
/** General broadcast; see `bcast` for the params layout. */
export function binary_bcast_f32(op: i32, a: usize, b: usize, out: usize, rank: i32, params: usize): void { dispatch(true, 3, op, a, b, out, rank, params); }

/** out = a OP b where b (tileIsB) or a is a tile of `period` elements repeated along the other. */
export function binary_tiled_f32(op: i32, a: usize, b: usize, out: usize, n: i32, period: i32, tileIsB: bool): void { dispatch(true, tileIsB ? 4 : 5, op, a, b, out, n, <usize>period); }

export function binary_i32(op: i32, a: usize, b: usize, out: usize, n: i32): void { dispatch(false, 0, op, a, b, out, n, 0); }
export function binary_vs_i32(op: i32, a: usize, sp: usize, out: usize, n: i32): void { dispatch(false, 1, op, a, sp, out, n, 0); }
export function binary_sv_i32(op: i32, sp: usize, b: usize, out: usize, n: i32): void { dispatch(false, 2, op, sp, b, out, n, 0); }
export function binary_bcast_i32(op: i32, a: usize, b: usize, out: usize, rank: i32, params: usize): void { dispatch(false, 3, op, a, b, out, rank, params); }
export function binary_tiled_i32(op: i32, a: usize, b: usize, out: usize, n: i32, period: i32, tileIsB: bool): void { dispatch(false, tileIsB ? 4 : 5, op, a, b, out, n, <usize>period); }

export function add_f32(a: usize, b: usize, out: usize, n: i32): void { loopVV(true, B_ADD, a, b, out, n); }
export function sub_f32(a: usize, b: usize, out: usize, n: i32): void { loopVV(true, B_SUB, a, b, out, n); }
export function mul_f32(a: usize, b: usize, out: usize, n: i32): void { loopVV(true, B_MUL, a, b, out, n); }
export function div_f32(a: usize, b: usize, out: usize, n: i32): void { loopVV(true, B_DIV, a, b, out, n); }
export function min_f32(a: usize, b: usize, out: usize, n: i32): void { loopVV(true, B_MIN, a, b, out, n); }
export function max_f32(a: usize, b: usize, out: usize, n: i32): void { loopVV(true, B_MAX, a, b, out, n); }
export function pow_f32(a: usize, b: usize, out: usize, n: i32): void { loopVV(true, B_POW, a, b, out, n); }
export function add_i32(a: usize, b: usize, out: usize, n: i32): void { loopVV(false, B_ADD, a, b, out, n); }
export function sub_i32(a: usize, b: usize, out: usize, n: i32): void { loopVV(false, B_SUB, a, b, out, n); }
export function mul_i32(a: usize, b: usize, out: usize, n: i32): void { loopVV(false, B_MUL, a, b, out, n); }
export function div_i32(a: usize, b: usize, out: usize, n: i32): void { loopVV(false, B_DIV, a, b, out, n); }
export function min_i32(a: usize, b: usize, out: usize, n: i32): void { loopVV(false, B_MIN, a, b, out, n); }
export function max_i32(a: usize, b: usize, out: usize, n: i32): void { loopVV(false, B_MAX, a, b, out, n); }
