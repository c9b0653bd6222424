// Op codes shared with the JS side (wasm/op-codes.ts). Unary and binary codes are the indices
// of UNARY_OPS / BINARY_OPS in kernels/op-attrs.ts, so JS maps names with `indexOf`.

export const U_ABS: i32 = 0;
export const U_NEG: i32 = 1;
export const U_SQRT: i32 = 2;
export const U_EXP: i32 = 3;
export const U_LOG: i32 = 4;
export const U_SIGMOID: i32 = 5;
export const U_TANH: i32 = 6;
export const U_RELU: i32 = 7;

export const B_ADD: i32 = 0;
export const B_SUB: i32 = 1;
export const B_MUL: i32 = 2;
export const B_DIV: i32 = 3;
export const B_MIN: i32 = 4;
export const B_MAX: i32 = 5;
export const B_POW: i32 = 6;

// Element types; u8 values inside a fused chain travel widened to i32 lanes.
export const T_U8: i32 = 0;
export const T_I32: i32 = 1;
export const T_F32: i32 = 2;
