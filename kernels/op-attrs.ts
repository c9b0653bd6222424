/**
 * The kernel catalog's vocabulary: op names and their attributes. Semantics follow the ONNX
 * operator of the same purpose wherever one exists (noted per op), so every `js` reference can be
 * checked against onnxruntime running that op.
 */

import type { DType } from "./tensor.js";

/** Two-input elementwise ops with numpy (ONNX multidirectional) broadcasting. */
export const BINARY_OPS = ["add", "sub", "mul", "div", "min", "max", "pow"] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** One-input elementwise ops. */
export const UNARY_OPS = ["abs", "neg", "sqrt", "exp", "log", "sigmoid", "tanh", "relu"] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];

/** Unary ops that are defined on i32 as well as f32 (the others are f32 only). */
export const INT_UNARY_OPS: readonly UnaryOp[] = ["abs", "neg", "relu"];
/** Binary ops that are defined on i32 as well as f32 (pow is f32 only). i32 div truncates toward zero. */
export const INT_BINARY_OPS: readonly BinaryOp[] = ["add", "sub", "mul", "div", "min", "max"];

/** Where the spatial axes sit: `hwc` = [H,W,C] or [N,H,W,C]; `chw` = [C,H,W] or [N,C,H,W]. */
export type ImageLayout = "hwc" | "chw";

/** ONNX Clip. Bounds default to -Inf / +Inf. */
export interface ClampAttrs {
  min?: number;
  max?: number;
}

/**
 * ONNX Cast, with defined behaviour where ONNX leaves it open: float → int truncates toward zero,
 * NaN becomes 0, and values outside the target range saturate (also i32 → u8).
 */
export interface CastAttrs {
  to: DType;
}

/**
 * Per-channel normalize fused with the u8→f32 conversion and the layout change:
 * `y[c] = (x[c] * scale - mean[c]) / std[c]`, output f32 in `outputLayout`.
 */
export interface NormalizeAttrs {
  mean: readonly number[];
  std: readonly number[];
  /** Multiplier applied before the mean; default 1/255 for u8 input, 1 for f32. */
  scale?: number;
  /** Default `hwc`. */
  inputLayout?: ImageLayout;
  /** Default `chw`. */
  outputLayout?: ImageLayout;
}

export type CoordinateTransformationMode = "half_pixel" | "pytorch_half_pixel" | "align_corners" | "asymmetric";
export type NearestMode = "round_prefer_floor" | "round_prefer_ceil" | "floor" | "ceil";

/**
 * ONNX Resize (opset 18) over the two spatial axes, matching onnxruntime's CPU kernel. u8
 * `linear` follows onnxruntime's exact integer path (weights ×1024, result truncated); u8
 * antialias uses weights ×2²² and rounds half up after each pass, keeping u8 in between. Every
 * backend samples with the tables of kernels/js/resize-weights.ts, so they agree bit for bit.
 */
export interface ResizeAttrs {
  /** Output [height, width]. */
  size: readonly [number, number];
  /** Default `linear`. */
  mode?: "nearest" | "linear";
  /** Default `half_pixel`. */
  coordinateTransformationMode?: CoordinateTransformationMode;
  /** Default `round_prefer_floor`. */
  nearestMode?: NearestMode;
  /**
   * Antialiasing with `linear`: onnxruntime's Pillow-style triangle filter, widened by 1/scale
   * when downscaling (it also changes rounding when upscaling, as in onnxruntime). Default false.
   */
  antialias?: boolean;
  /** Default `hwc`. */
  layout?: ImageLayout;
}

/** ONNX CenterCropPad restricted to cropping: start = floor((in - out) / 2). */
export interface CenterCropAttrs {
  size: readonly [number, number];
  /** Default `hwc`. */
  layout?: ImageLayout;
}

/** ONNX Softmax (opset 13): along one axis, default -1. */
export interface SoftmaxAttrs {
  axis?: number;
}

/**
 * ONNX ArgMax, output i32. Ties go to the first index (last with `selectLastIndex`); comparison
 * is `>`, so a NaN never replaces the running maximum.
 */
export interface ArgMaxAttrs {
  axis?: number;
  /** Default true. */
  keepdims?: boolean;
  /** Default false. */
  selectLastIndex?: boolean;
}

/**
 * ONNX TopK: outputs [values, indices(i32)]. Equal values keep ascending index order; NaN ranks
 * above +Inf. Results are always sorted (ONNX allows any order when `sorted` is false).
 */
export interface TopKAttrs {
  k: number;
  axis?: number;
  /** Default true. */
  largest?: boolean;
  sorted?: boolean;
}

/** ONNX LpNormalization with p = 2: `y = x / ||x||₂` along an axis; a zero vector stays zero. */
export interface LpNormalizeAttrs {
  axis?: number;
  p?: 2;
}

/** A[M,K] × B[K,N] → [M,N], f32. */
export type MatMulAttrs = Record<string, never>;

/** Rows of A[M,D] against rows of B[N,D] → cosine similarity [M,N]; a zero row scores 0. */
export type CosineSimilarityAttrs = Record<string, never>;

/** One step of a fused elementwise chain; `x` is the running value. */
export type ChainStep =
  /** x = x OP scalar, or scalar OP x when `reversed`. */
  | { op: BinaryOp; scalar: number; reversed?: boolean }
  /** x = x OP inputs[input] (an extra input of the same shape; input ≥ 1). */
  | { op: BinaryOp; input: number; reversed?: boolean }
  | { op: UnaryOp }
  | { op: "clamp"; min?: number; max?: number }
  | { op: "cast"; to: DType };

/** A chain of elementwise steps applied to inputs[0], run as one pass / one dispatch. */
export interface ElementwiseChainAttrs {
  steps: readonly ChainStep[];
}

/** Attributes per op name: the registry's key space. */
export interface OpAttrs {
  add: Record<string, never>;
  sub: Record<string, never>;
  mul: Record<string, never>;
  div: Record<string, never>;
  min: Record<string, never>;
  max: Record<string, never>;
  pow: Record<string, never>;
  abs: Record<string, never>;
  neg: Record<string, never>;
  sqrt: Record<string, never>;
  exp: Record<string, never>;
  log: Record<string, never>;
  sigmoid: Record<string, never>;
  tanh: Record<string, never>;
  relu: Record<string, never>;
  clamp: ClampAttrs;
  cast: CastAttrs;
  normalize: NormalizeAttrs;
  resize: ResizeAttrs;
  centerCrop: CenterCropAttrs;
  softmax: SoftmaxAttrs;
  argmax: ArgMaxAttrs;
  topk: TopKAttrs;
  lpNormalize: LpNormalizeAttrs;
  matmul: MatMulAttrs;
  cosineSimilarity: CosineSimilarityAttrs;
  elementwiseChain: ElementwiseChainAttrs;
}

export type OpName = keyof OpAttrs;

export const OP_NAMES: readonly OpName[] = [
  ...BINARY_OPS,
  ...UNARY_OPS,
  "clamp",
  "cast",
  "normalize",
  "resize",
  "centerCrop",
  "softmax",
  "argmax",
  "topk",
  "lpNormalize",
  "matmul",
  "cosineSimilarity",
  "elementwiseChain",
];
