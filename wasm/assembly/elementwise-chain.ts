// A fused elementwise chain, numexpr-style: the tensor is cut into blocks that fit in L1, and
// every step runs over one block (with the same SIMD loops as the single ops) before the next
// block is touched. Memory traffic is one read of each input and one write of the output,
// however many steps there are; the interpreter's dispatch costs one switch per step per block.
//
// The program is an array of 16-byte records: [kind, op | reversed << 8, p1, p2].
import { binary_f32, binary_i32, binary_sv_f32, binary_sv_i32, binary_vs_f32, binary_vs_i32 } from "./binary";
import { cast_f32_i32, cast_i32_f32, cast_i32_u8, cast_u8_i32, clamp_f32, clamp_i32 } from "./clamp-cast";
import { unary_f32, unary_i32 } from "./unary";
import { T_F32, T_U8 } from "./op-codes";

export const K_UNARY_F32: i32 = 0;
export const K_UNARY_I32: i32 = 1;
export const K_SCALAR_F32: i32 = 2; // p1 holds the scalar's bits
export const K_SCALAR_I32: i32 = 3;
export const K_INPUT_F32: i32 = 4; // p1 is the operand's address
export const K_INPUT_I32: i32 = 5;
export const K_CLAMP_F32: i32 = 6; // p1, p2: bounds' bits
export const K_CLAMP_I32: i32 = 7;
export const K_CAST: i32 = 8; // op = from | to << 4 (T_* codes)

// @ts-ignore: decorator
@inline function copyIfMoved(src: usize, dst: usize, m: i32): void {
  if (src != dst) memory.copy(dst, src, <usize>m << 2);
}

// Casts on the chain's 4-byte lanes; u8 values live as i32 in [0, 255].
// @ts-ignore: decorator
@inline function castLanes(from: i32, to: i32, src: usize, dst: usize, m: i32): void {
  if (from == to) copyIfMoved(src, dst, m);
  else if (to == T_F32) cast_i32_f32(src, dst, m); // from i32 or u8
  else if (from == T_F32) {
    cast_f32_i32(src, dst, m);
    if (to == T_U8) clamp_i32(dst, dst, m, 0, 255);
  } else if (to == T_U8) clamp_i32(src, dst, m, 0, 255); // i32 → u8
  else copyIfMoved(src, dst, m); // u8 → i32
}

// @ts-ignore: decorator
@inline function step(rec: usize, src: usize, dst: usize, m: i32, byteOff: usize): void {
  const kind = load<i32>(rec);
  const word = load<i32>(rec, 4);
  const op = word & 0xff;
  const reversed = (word >> 8) != 0;
  switch (kind) {
    case K_UNARY_F32: unary_f32(op, src, dst, m); break;
    case K_UNARY_I32: unary_i32(op, src, dst, m); break;
    case K_SCALAR_F32:
      if (reversed) binary_sv_f32(op, rec + 8, src, dst, m);
      else binary_vs_f32(op, src, rec + 8, dst, m);
      break;
    case K_SCALAR_I32:
      if (reversed) binary_sv_i32(op, rec + 8, src, dst, m);
      else binary_vs_i32(op, src, rec + 8, dst, m);
      break;
    case K_INPUT_F32: {
      const other = <usize>load<u32>(rec, 8) + byteOff;
      if (reversed) binary_f32(op, other, src, dst, m);
      else binary_f32(op, src, other, dst, m);
      break;
    }
    case K_INPUT_I32: {
      const other = <usize>load<u32>(rec, 8) + byteOff;
      if (reversed) binary_i32(op, other, src, dst, m);
      else binary_i32(op, src, other, dst, m);
      break;
    }
    case K_CLAMP_F32: clamp_f32(src, dst, m, load<f32>(rec, 8), load<f32>(rec, 12)); break;
    case K_CLAMP_I32: clamp_i32(src, dst, m, load<i32>(rec, 8), load<i32>(rec, 12)); break;
    default: castLanes(op & 15, op >> 4, src, dst, m);
  }
}

/**
 * Runs `nsteps` records at `prog` over n elements: input at `src` (type inType), output at `dst`
 * (outType). `scratch` holds `block` 4-byte lanes; block must be a multiple of 16.
 */
export function chain_run(prog: usize, nsteps: i32, src: usize, inType: i32, dst: usize, outType: i32, n: i32, scratch: usize, block: i32): void {
  const last = nsteps - 1;
  for (let off = 0; off < n; off += block) {
    const m = min(block, n - off);
    const byteOff = <usize>off << 2;
    let cur: usize;
    if (inType == T_U8) {
      cast_u8_i32(src + <usize>off, scratch, m);
      cur = scratch;
    } else cur = src + byteOff;
    for (let s = 0; s < nsteps; s++) {
      const into = s == last && outType != T_U8 ? dst + byteOff : scratch;
      step(prog + (<usize>s << 4), cur, into, m, byteOff);
      cur = into;
    }
    if (outType == T_U8) cast_i32_u8(cur, dst + <usize>off, m);
  }
}
