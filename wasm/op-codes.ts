/**
 * Codes shared with the AssemblyScript side (wasm/assembly/op-codes.ts and the K_* constants of
 * wasm/assembly/elementwise-chain.ts). Unary and binary op codes are the positions of the op
 * names in UNARY_OPS / BINARY_OPS (kernels/op-attrs.ts), so the kernels map names with indexOf.
 */

/** Element types as the kernels number them. */
export const T_U8 = 0;
export const T_I32 = 1;
export const T_F32 = 2;

/** Step kinds of a fused-chain program record. */
export const K_UNARY_F32 = 0;
export const K_UNARY_I32 = 1;
export const K_SCALAR_F32 = 2;
export const K_SCALAR_I32 = 3;
export const K_INPUT_F32 = 4;
export const K_INPUT_I32 = 5;
export const K_CLAMP_F32 = 6;
export const K_CLAMP_I32 = 7;
export const K_CAST = 8;

/** Bytes per chain program record: [kind, op | reversed << 8, p1, p2] as i32. */
export const CHAIN_RECORD_BYTES = 16;
