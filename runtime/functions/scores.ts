/**
 * Score post-processing built-ins over the kernels: softmax, argmax and top-k along an axis
 * (default the last, the class axis of `[N, C]` logits).
 */

import type { Tensor } from "../../kernels/tensor.js";
import { runKernel, type KernelOptions } from "./kernel-runner.js";

export interface AxisOptions extends KernelOptions {
  /** Default -1. */
  readonly axis?: number;
}

export interface TopKOptions extends AxisOptions {
  /** Default true (the k largest). */
  readonly largest?: boolean;
}

export interface TopKResult {
  /** `[…, k]` sorted best first. */
  readonly values: Tensor<"f32">;
  /** Indices into the axis, same shape as `values`. */
  readonly indices: Tensor<"i32">;
}

/** Softmax along an axis (ONNX Softmax-13). */
export async function softmax(x: Tensor<"f32">, options: AxisOptions = {}): Promise<Tensor<"f32">> {
  return (await runKernel("softmax", "softmax", [x], { axis: options.axis ?? -1 }, options))[0] as Tensor<"f32">;
}

/** Index of the maximum along an axis, the axis removed (`[N, C]` → `[N]`); ties go to the first. */
export async function argmax(x: Tensor<"f32"> | Tensor<"i32">, options: AxisOptions = {}): Promise<Tensor<"i32">> {
  return (await runKernel("argmax", "argmax", [x], { axis: options.axis ?? -1, keepdims: false }, options))[0] as Tensor<"i32">;
}

/** The k best values along an axis and their indices, best first; equal values keep index order. */
export async function topk(x: Tensor<"f32">, k: number, options: TopKOptions = {}): Promise<TopKResult> {
  const [values, indices] = await runKernel("topk", "topk", [x], { k, axis: options.axis ?? -1, largest: options.largest ?? true }, options);
  return { values: values as Tensor<"f32">, indices: indices as Tensor<"i32"> };
}
