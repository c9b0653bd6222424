/**
 * What `sluice bench kernels` measures: each workload is an op with attributes, input sizes,
 * the bytes it must move, and a plain-JS peer loop doing the same work (the "plain-JS loop" the
 * ratios are against). Sizes are chosen so the largest fit comfortably on a 2-core CI machine.
 */

import type { ChainStep, OpAttrs, OpName } from "../kernels/op-attrs.js";
import { bytesPerElement, sizeOf, tensor, type Tensor } from "../kernels/tensor.js";
import * as peer from "./peers/plain-js-kernels.js";

export interface WorkloadCase {
  /** Size label for tables, e.g. "4M" or "1080p→224". */
  label: string;
  inputs: () => Tensor[];
}

export interface KernelWorkload<K extends OpName = OpName> {
  name: string;
  op: K;
  attrs: OpAttrs[K];
  cases: WorkloadCase[];
  /** The plain-JS peer: same result, written as the loop a JS developer would write. */
  peer: (inputs: Tensor[]) => unknown;
  /** Elements processed (for elements/s): by default the first input's size. */
  elements?: (inputs: Tensor[]) => number;
}

/** Deterministic pseudo-random fill (xorshift) so runs are comparable and allocation is cheap. */
export function filled(dtype: "u8" | "f32" | "i32", shape: number[], lo = -4, hi = 4, seed = 7): Tensor {
  const n = sizeOf(shape);
  const t = tensor(dtype, shape);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const r = (s >>> 0) / 4294967296;
    t.data[i] = dtype === "u8" ? r * 256 : dtype === "i32" ? Math.floor(lo + r * (hi - lo)) : lo + r * (hi - lo);
  }
  return t;
}

/** Total bytes an op reads and writes, given its inputs and outputs. */
export function bytesMoved(inputs: readonly Tensor[], outputs: readonly { dtype: Tensor["dtype"]; shape: readonly number[] }[]): number {
  let b = 0;
  for (const t of [...inputs, ...outputs]) b += sizeOf(t.shape) * bytesPerElement(t.dtype);
  return b;
}

const M = 1 << 20;
const vecSizes = (quick: boolean): [string, number][] => (quick ? [["64k", 1 << 16], ["1M", M]] : [["4k", 1 << 12], ["64k", 1 << 16], ["1M", M], ["4M", 4 * M]]);

/** The 5-op chain whose fused and unfused costs the benchmark compares. */
export const FIVE_OP_CHAIN: ChainStep[] = [
  { op: "sub", scalar: 0.5 },
  { op: "mul", scalar: 1.7 },
  { op: "clamp", min: -3, max: 3 },
  { op: "abs" },
  { op: "add", scalar: 0.25 },
];

export const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export function kernelWorkloads(quick: boolean): KernelWorkload[] {
  const sizes = vecSizes(quick);
  const vec = (dtype: "f32" | "i32", arity: number) =>
    sizes.map(([label, n]): WorkloadCase => ({ label, inputs: () => Array.from({ length: arity }, (_, k) => filled(dtype, [n], 0.5, 4, 7 + k)) }));
  const w = <K extends OpName>(x: KernelWorkload<K>): KernelWorkload => x as unknown as KernelWorkload;
  return [
    w({ name: "add f32", op: "add", attrs: {}, cases: vec("f32", 2), peer: ([a, b]) => peer.add(a!.data as Float32Array, b!.data as Float32Array) }),
    w({ name: "mul f32", op: "mul", attrs: {}, cases: vec("f32", 2), peer: ([a, b]) => peer.mul(a!.data as Float32Array, b!.data as Float32Array) }),
    w({ name: "exp f32", op: "exp", attrs: {}, cases: vec("f32", 1), peer: ([a]) => peer.exp(a!.data as Float32Array) }),
    w({ name: "sigmoid f32", op: "sigmoid", attrs: {}, cases: vec("f32", 1), peer: ([a]) => peer.sigmoid(a!.data as Float32Array) }),
    w({ name: "relu f32", op: "relu", attrs: {}, cases: vec("f32", 1), peer: ([a]) => peer.relu(a!.data as Float32Array) }),
    w({ name: "cast f32→u8", op: "cast", attrs: { to: "u8" }, cases: vec("f32", 1), peer: ([a]) => peer.castToU8(a!.data as Float32Array) }),
    w({
      name: "normalize f32 chw",
      op: "normalize",
      attrs: { ...IMAGENET, inputLayout: "chw", outputLayout: "chw" },
      cases: (quick ? [[3, 512, 682]] : [[3, 512, 682], [3, 1024, 1365]]).map((shape) => ({
        label: sizeOf(shape) > 2 * M ? "4M" : "1M",
        inputs: () => [filled("f32", shape, 0, 1)],
      })),
      peer: ([x]) => peer.normalizeChw(x!.data as Float32Array, x!.shape[1]! * x!.shape[2]!, IMAGENET.mean, IMAGENET.std),
    }),
    w({
      name: "normalize u8 hwc→chw",
      op: "normalize",
      attrs: IMAGENET,
      cases: [{ label: "224²", inputs: () => [filled("u8", [224, 224, 3])] }, { label: "1080p", inputs: () => [filled("u8", [1080, 1920, 3])] }],
      peer: ([x]) => peer.normalizeHwcToChw(x!.data as Uint8Array, x!.shape[0]! * x!.shape[1]!, IMAGENET.mean, IMAGENET.std),
    }),
    w({
      name: "chain ×5 fused",
      op: "elementwiseChain",
      attrs: { steps: FIVE_OP_CHAIN },
      cases: vec("f32", 1),
      peer: ([x]) => peer.fiveOpChain(x!.data as Float32Array),
    }),
    w({
      name: "resize 1080p→224 aa",
      op: "resize",
      attrs: { size: [224, 224], mode: "linear", antialias: true },
      cases: [{ label: "u8 hwc", inputs: () => [filled("u8", [1080, 1920, 3])] }],
      peer: ([x]) => peer.resizeReference(x!),
    }),
    w({
      name: "resize 1080p→224 nearest",
      op: "resize",
      attrs: { size: [224, 224], mode: "nearest" },
      cases: [{ label: "u8 hwc", inputs: () => [filled("u8", [1080, 1920, 3])] }],
      peer: ([x]) => peer.resizeNearestReference(x!),
    }),
    w({
      name: "centerCrop 256→224",
      op: "centerCrop",
      attrs: { size: [224, 224] },
      cases: [{ label: "u8 hwc", inputs: () => [filled("u8", [256, 256, 3])] }],
      peer: ([x]) => peer.centerCrop(x!, 224, 224),
    }),
    w({ name: "softmax", op: "softmax", attrs: {}, cases: [{ label: "64×1000", inputs: () => [filled("f32", [64, 1000])] }], peer: ([x]) => peer.softmaxRows(x!.data as Float32Array, 1000) }),
    w({ name: "argmax", op: "argmax", attrs: {}, cases: [{ label: "64×1000", inputs: () => [filled("f32", [64, 1000])] }], peer: ([x]) => peer.argmaxRows(x!.data as Float32Array, 1000) }),
    w({ name: "topk k=5", op: "topk", attrs: { k: 5 }, cases: [{ label: "64×1000", inputs: () => [filled("f32", [64, 1000])] }], peer: ([x]) => peer.topkRows(x!.data as Float32Array, 1000, 5) }),
    w({ name: "lpNormalize", op: "lpNormalize", attrs: {}, cases: [{ label: "1024×384", inputs: () => [filled("f32", [1024, 384])] }], peer: ([x]) => peer.l2Rows(x!.data as Float32Array, 384) }),
    w({
      name: "matmul",
      op: "matmul",
      attrs: {},
      cases: [{ label: "64×384·384×256", inputs: () => [filled("f32", [64, 384]), filled("f32", [384, 256], -1, 1, 9)] }],
      peer: ([a, b]) => peer.matmul(a!.data as Float32Array, b!.data as Float32Array, 64, 384, 256),
      elements: () => 64 * 384 * 256,
    }),
    w({
      name: "cosine top-k search",
      op: "cosineSimilarity",
      attrs: {},
      cases: [{ label: "8q×10k×384", inputs: () => [filled("f32", [8, 384]), filled("f32", [quick ? 2000 : 10000, 384], -1, 1, 11)] }],
      peer: ([a, b]) => peer.cosine(a!.data as Float32Array, b!.data as Float32Array, 384),
      elements: ([a, b]) => a!.shape[0]! * b!.shape[0]! * 384,
    }),
  ];
}
