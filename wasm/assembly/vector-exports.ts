// v128 → v128 helpers exported for the run-time generated chain modules
// (kernels/wasm/chain-compiler.ts), which import them: wasm-to-wasm calls may pass v128, JS may
// not call these.
import { exp4, log4, pow4, sigmoid4, tanh4 } from "./simd-math";
import { binaryVecI32 } from "./vec-ops";
import { B_DIV } from "./op-codes";

export function v_exp(x: v128): v128 { return exp4(x); }
export function v_log(x: v128): v128 { return log4(x); }
export function v_tanh(x: v128): v128 { return tanh4(x); }
export function v_sigmoid(x: v128): v128 { return sigmoid4(x); }
export function v_pow(x: v128, y: v128): v128 { return pow4(x, y); }
/** i32 division per lane: x / 0 = 0, INT_MIN / -1 = INT_MIN. */
export function v_div_i32(x: v128, y: v128): v128 { return binaryVecI32(B_DIV, x, y); }
