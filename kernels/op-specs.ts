/**
 * Shape and dtype inference for every op, with attribute defaults filled in. Each backend gets
 * inputs that passed `checkOp`, so kernels never re-validate; a bad call fails here with a
 * KernelError that names the op and says what was expected and what came.
 */

import { KernelError } from "./errors.js";
import {
  BINARY_OPS,
  INT_BINARY_OPS,
  INT_UNARY_OPS,
  UNARY_OPS,
  type BinaryOp,
  type ChainStep,
  type ImageLayout,
  type OpAttrs,
  type OpName,
  type UnaryOp,
} from "./op-attrs.js";
import { DTYPES, normalizeAxis, shapeToString, type DType, type TensorInfo } from "./tensor.js";

/** Attributes with every default filled in: what kernels receive. */
export interface ResolvedAttrs {
  clamp: { min: number; max: number };
  cast: { to: DType };
  normalize: { mean: number[]; std: number[]; scale: number; inputLayout: ImageLayout; outputLayout: ImageLayout };
  resize: Required<OpAttrs["resize"]>;
  centerCrop: Required<OpAttrs["centerCrop"]>;
  softmax: { axis: number };
  argmax: { axis: number; keepdims: boolean; selectLastIndex: boolean };
  topk: { k: number; axis: number; largest: boolean; sorted: boolean };
  lpNormalize: { axis: number; p: 2 };
  elementwiseChain: OpAttrs["elementwiseChain"];
}
export type AttrsOf<K extends OpName> = K extends keyof ResolvedAttrs ? ResolvedAttrs[K] : OpAttrs[K];

export interface CheckedOp<K extends OpName> {
  attrs: AttrsOf<K>;
  outputs: TensorInfo[];
}

const isBinary = (op: string): op is BinaryOp => (BINARY_OPS as readonly string[]).includes(op);
const isUnary = (op: string): op is UnaryOp => (UNARY_OPS as readonly string[]).includes(op);

/** Numpy/ONNX multidirectional broadcast of two shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new KernelError(op, `shapes ${shapeToString(a)} and ${shapeToString(b)} do not broadcast (axis ${i}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

function expectInputs(op: string, inputs: readonly TensorInfo[], n: number): void {
  if (inputs.length !== n) throw KernelError.mismatch(op, "input count", String(n), String(inputs.length));
  for (const [i, t] of inputs.entries()) {
    if (!DTYPES.includes(t.dtype)) throw KernelError.mismatch(op, `input ${i} dtype`, DTYPES.join("|"), String(t.dtype));
  }
}

function expectDtype(op: string, t: TensorInfo, allowed: readonly DType[], which = "input 0"): void {
  if (!allowed.includes(t.dtype)) throw KernelError.mismatch(op, `${which} dtype`, allowed.join("|"), t.dtype);
}

function expectRank(op: string, t: TensorInfo, ranks: readonly number[], which = "input 0"): void {
  if (!ranks.includes(t.shape.length)) {
    throw KernelError.mismatch(op, `${which} rank`, ranks.join(" or "), `${t.shape.length} (shape ${shapeToString(t.shape)})`);
  }
}

function finite(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v)) throw KernelError.mismatch(op, `attribute ${name}`, "a number", String(v));
  return v;
}

function positiveSize(op: string, size: unknown): [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0)) {
    throw KernelError.mismatch(op, "attribute size", "[height, width] of positive integers", JSON.stringify(size));
  }
  return [size[0] as number, size[1] as number];
}

function layoutOf(op: string, name: string, v: unknown, dflt: ImageLayout): ImageLayout {
  if (v === undefined) return dflt;
  if (v !== "hwc" && v !== "chw") throw KernelError.mismatch(op, `attribute ${name}`, "'hwc' or 'chw'", JSON.stringify(v));
  return v;
}

/** Index of the H axis for a rank-3/4 image tensor in `layout`; W follows it. */
export function spatialAxes(rank: number, layout: ImageLayout): { h: number; w: number; c: number } {
  const base = rank === 4 ? 1 : 0;
  return layout === "hwc" ? { h: base, w: base + 1, c: base + 2 } : { c: base, h: base + 1, w: base + 2 };
}

/** The dtype each chain step produces, validating that the step accepts its input dtype. */
export function chainDtypes(op: string, input: DType, steps: readonly ChainStep[], extra: readonly TensorInfo[]): DType[] {
  const out: DType[] = [];
  let cur = input;
  steps.forEach((s, i) => {
    const where = `step ${i} (${s.op})`;
    if (s.op === "cast") {
      if (!DTYPES.includes(s.to)) throw KernelError.mismatch(op, `${where} target dtype`, DTYPES.join("|"), String(s.to));
      cur = s.to;
    } else if (s.op === "clamp") {
      if (cur === "u8") throw KernelError.mismatch(op, `${where} dtype`, "f32|i32", cur);
    } else if (isUnary(s.op)) {
      const allowed: DType[] = INT_UNARY_OPS.includes(s.op) ? ["f32", "i32"] : ["f32"];
      if (!allowed.includes(cur)) throw KernelError.mismatch(op, `${where} dtype`, allowed.join("|"), cur);
    } else if (isBinary(s.op)) {
      const allowed: DType[] = INT_BINARY_OPS.includes(s.op) ? ["f32", "i32"] : ["f32"];
      if (!allowed.includes(cur)) throw KernelError.mismatch(op, `${where} dtype`, allowed.join("|"), cur);
      if ("input" in s) {
        const t = extra[s.input - 1];
        if (!Number.isInteger(s.input) || s.input < 1 || !t) throw KernelError.mismatch(op, `${where} input index`, `1..${extra.length}`, String(s.input));
        if (t.dtype !== cur) throw KernelError.mismatch(op, `${where} operand dtype`, cur, t.dtype);
      } else finite(op, `${where} scalar`, (s as { scalar: unknown }).scalar);
    } else {
      throw new KernelError(op, `${where}: unknown elementwise op '${(s as { op: string }).op}'`);
    }
    out.push(cur);
  });
  return out;
}

/**
 * Validates inputs and attributes for `op`, fills attribute defaults and infers output infos.
 * Throws KernelError naming the op, the expectation and the actual value.
 */
export function checkOp<K extends OpName>(op: K, inputs: readonly TensorInfo[], attrs: OpAttrs[K]): CheckedOp<K> {
  const a = (attrs ?? {}) as Record<string, unknown>;
  const done = (resolved: unknown, outputs: TensorInfo[]): CheckedOp<K> => ({ attrs: resolved as AttrsOf<K>, outputs });

  if (isBinary(op)) {
    expectInputs(op, inputs, 2);
    const [x, y] = inputs as [TensorInfo, TensorInfo];
    if (x.dtype !== y.dtype) throw KernelError.mismatch(op, "input dtypes", "equal", `${x.dtype} and ${y.dtype}`);
    expectDtype(op, x, INT_BINARY_OPS.includes(op) ? ["f32", "i32"] : ["f32"]);
    return done({}, [{ dtype: x.dtype, shape: broadcastShapes(op, x.shape, y.shape) }]);
  }
  if (isUnary(op)) {
    expectInputs(op, inputs, 1);
    expectDtype(op, inputs[0]!, INT_UNARY_OPS.includes(op) ? ["f32", "i32"] : ["f32"]);
    return done({}, [{ ...inputs[0]! }]);
  }
  switch (op) {
    case "clamp": {
      expectInputs(op, inputs, 1);
      expectDtype(op, inputs[0]!, ["f32", "i32"]);
      const min = a.min === undefined ? -Infinity : finite(op, "min", a.min);
      const max = a.max === undefined ? Infinity : finite(op, "max", a.max);
      if (min > max) throw KernelError.mismatch(op, "attributes", "min <= max", `min=${min}, max=${max}`);
      return done({ min, max }, [{ ...inputs[0]! }]);
    }
    case "cast": {
      expectInputs(op, inputs, 1);
      if (!DTYPES.includes(a.to as DType)) throw KernelError.mismatch(op, "attribute to", DTYPES.join("|"), String(a.to));
      return done({ to: a.to }, [{ dtype: a.to as DType, shape: [...inputs[0]!.shape] }]);
    }
    case "normalize": {
      expectInputs(op, inputs, 1);
      const x = inputs[0]!;
      expectDtype(op, x, ["u8", "f32"]);
      expectRank(op, x, [3, 4]);
      const inputLayout = layoutOf(op, "inputLayout", a.inputLayout, "hwc");
      const outputLayout = layoutOf(op, "outputLayout", a.outputLayout, "chw");
      const ax = spatialAxes(x.shape.length, inputLayout);
      const c = x.shape[ax.c]!;
      const mean = a.mean as unknown, std = a.std as unknown;
      for (const [name, v] of [["mean", mean], ["std", std]] as const) {
        if (!Array.isArray(v) || v.length !== c || !v.every((e) => typeof e === "number" && Number.isFinite(e))) {
          throw KernelError.mismatch(op, `attribute ${name}`, `${c} finite numbers (one per channel of ${shapeToString(x.shape)})`, JSON.stringify(v));
        }
      }
      if ((std as number[]).some((s) => s === 0)) throw new KernelError(op, "attribute std: must not contain 0");
      const scale = a.scale === undefined ? (x.dtype === "u8" ? 1 / 255 : 1) : finite(op, "scale", a.scale);
      const h = x.shape[ax.h]!, w = x.shape[ax.w]!;
      const lead = x.shape.length === 4 ? [x.shape[0]!] : [];
      const shape = outputLayout === "chw" ? [...lead, c, h, w] : [...lead, h, w, c];
      return done({ mean: [...(mean as number[])], std: [...(std as number[])], scale, inputLayout, outputLayout }, [{ dtype: "f32", shape }]);
    }
    case "resize": {
      expectInputs(op, inputs, 1);
      const x = inputs[0]!;
      expectDtype(op, x, ["u8", "f32"]);
      expectRank(op, x, [3, 4]);
      const size = positiveSize(op, a.size);
      const mode = a.mode ?? "linear";
      if (mode !== "nearest" && mode !== "linear") throw KernelError.mismatch(op, "attribute mode", "'nearest' or 'linear'", JSON.stringify(mode));
      const ctm = a.coordinateTransformationMode ?? "half_pixel";
      if (!["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"].includes(ctm as string)) {
        throw KernelError.mismatch(op, "attribute coordinateTransformationMode", "half_pixel|pytorch_half_pixel|align_corners|asymmetric", JSON.stringify(ctm));
      }
      const nearestMode = a.nearestMode ?? "round_prefer_floor";
      if (!["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"].includes(nearestMode as string)) {
        throw KernelError.mismatch(op, "attribute nearestMode", "round_prefer_floor|round_prefer_ceil|floor|ceil", JSON.stringify(nearestMode));
      }
      const layout = layoutOf(op, "layout", a.layout, "hwc");
      const ax = spatialAxes(x.shape.length, layout);
      if (x.shape[ax.h] === 0 || x.shape[ax.w] === 0) throw new KernelError(op, `cannot resize an empty image ${shapeToString(x.shape)}`);
      const shape = [...x.shape];
      shape[ax.h] = size[0];
      shape[ax.w] = size[1];
      return done({ size, mode, coordinateTransformationMode: ctm, nearestMode, antialias: Boolean(a.antialias), layout }, [{ dtype: x.dtype, shape }]);
    }
    case "centerCrop": {
      expectInputs(op, inputs, 1);
      const x = inputs[0]!;
      expectRank(op, x, [3, 4]);
      const size = positiveSize(op, a.size);
      const layout = layoutOf(op, "layout", a.layout, "hwc");
      const ax = spatialAxes(x.shape.length, layout);
      if (size[0] > x.shape[ax.h]! || size[1] > x.shape[ax.w]!) {
        throw KernelError.mismatch(op, "crop size", `at most ${x.shape[ax.h]}x${x.shape[ax.w]} (input ${shapeToString(x.shape)})`, `${size[0]}x${size[1]}`);
      }
      const shape = [...x.shape];
      shape[ax.h] = size[0];
      shape[ax.w] = size[1];
      return done({ size, layout }, [{ dtype: x.dtype, shape }]);
    }
    case "softmax":
    case "lpNormalize": {
      expectInputs(op, inputs, 1);
      const x = inputs[0]!;
      expectDtype(op, x, ["f32"]);
      if (x.shape.length === 0) throw KernelError.mismatch(op, "input 0 rank", ">= 1", "0");
      const axis = normalizeAxis(a.axis === undefined ? -1 : finite(op, "axis", a.axis), x.shape.length, op);
      if (op === "lpNormalize" && a.p !== undefined && a.p !== 2) throw KernelError.mismatch(op, "attribute p", "2", String(a.p));
      return done(op === "softmax" ? { axis } : { axis, p: 2 }, [{ ...x }]);
    }
    case "argmax": {
      expectInputs(op, inputs, 1);
      const x = inputs[0]!;
      expectDtype(op, x, ["f32", "i32"]);
      if (x.shape.length === 0) throw KernelError.mismatch(op, "input 0 rank", ">= 1", "0");
      const axis = normalizeAxis(a.axis === undefined ? -1 : finite(op, "axis", a.axis), x.shape.length, op);
      if (x.shape[axis] === 0) throw new KernelError(op, `axis ${axis} is empty in ${shapeToString(x.shape)}`);
      const keepdims = a.keepdims === undefined ? true : Boolean(a.keepdims);
      const shape = keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
      return done({ axis, keepdims, selectLastIndex: Boolean(a.selectLastIndex) }, [{ dtype: "i32", shape }]);
    }
    case "topk": {
      expectInputs(op, inputs, 1);
      const x = inputs[0]!;
      expectDtype(op, x, ["f32"]);
      if (x.shape.length === 0) throw KernelError.mismatch(op, "input 0 rank", ">= 1", "0");
      const axis = normalizeAxis(a.axis === undefined ? -1 : finite(op, "axis", a.axis), x.shape.length, op);
      const k = a.k as number;
      if (!Number.isInteger(k) || k < 0 || k > x.shape[axis]!) {
        throw KernelError.mismatch(op, "attribute k", `an integer in [0, ${x.shape[axis]}]`, String(a.k));
      }
      const shape = x.shape.map((d, i) => (i === axis ? k : d));
      return done({ k, axis, largest: a.largest === undefined ? true : Boolean(a.largest), sorted: true }, [
        { dtype: "f32", shape },
        { dtype: "i32", shape: [...shape] },
      ]);
    }
    case "matmul": {
      expectInputs(op, inputs, 2);
      const [x, y] = inputs as [TensorInfo, TensorInfo];
      expectDtype(op, x, ["f32"]);
      expectDtype(op, y, ["f32"], "input 1");
      expectRank(op, x, [2]);
      expectRank(op, y, [2], "input 1");
      if (x.shape[1] !== y.shape[0]) throw KernelError.mismatch(op, "inner dimensions", `A[M,K] × B[K,N]`, `${shapeToString(x.shape)} × ${shapeToString(y.shape)}`);
      return done({}, [{ dtype: "f32", shape: [x.shape[0]!, y.shape[1]!] }]);
    }
    case "cosineSimilarity": {
      expectInputs(op, inputs, 2);
      const [x, y] = inputs as [TensorInfo, TensorInfo];
      expectDtype(op, x, ["f32"]);
      expectDtype(op, y, ["f32"], "input 1");
      expectRank(op, x, [2]);
      expectRank(op, y, [2], "input 1");
      if (x.shape[1] !== y.shape[1]) throw KernelError.mismatch(op, "vector dimensions", `A[M,D] vs B[N,D]`, `${shapeToString(x.shape)} vs ${shapeToString(y.shape)}`);
      return done({}, [{ dtype: "f32", shape: [x.shape[0]!, y.shape[0]!] }]);
    }
    case "elementwiseChain": {
      if (inputs.length < 1) throw KernelError.mismatch(op, "input count", ">= 1", "0");
      const steps = a.steps as ChainStep[] | undefined;
      if (!Array.isArray(steps) || steps.length === 0) throw KernelError.mismatch(op, "attribute steps", "a non-empty list", JSON.stringify(steps));
      const x = inputs[0]!;
      for (const [i, t] of inputs.entries()) {
        if (i > 0 && shapeToString(t.shape) !== shapeToString(x.shape)) {
          throw KernelError.mismatch(op, `input ${i} shape`, shapeToString(x.shape), shapeToString(t.shape));
        }
      }
      const dts = chainDtypes(op, x.dtype, steps, inputs.slice(1));
      return done({ steps }, [{ dtype: dts[dts.length - 1]!, shape: [...x.shape] }]);
    }
    default:
      throw new KernelError(String(op), "unknown op");
  }
}
