/**
 * Builds tiny ONNX models in memory (onnx-proto) and runs them with onnxruntime-node, so the JS
 * reference kernels can be checked against onnxruntime running the ONNX op of the same purpose.
 * Nothing touches the file system.
 */

import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-node";
import type { Tensor } from "../../kernels/tensor.js";

const { onnx } = onnxProto;

/** Element types the conformance suite feeds to or reads from onnxruntime. */
export type OnnxElemType = "float32" | "uint8" | "int32" | "int64";

type OnnxData = Float32Array | Uint8Array | Int32Array | BigInt64Array;

/** A tensor in onnxruntime's terms (int64 data as BigInt64Array). */
export interface OnnxTensor {
  type: OnnxElemType;
  dims: readonly number[];
  data: OnnxData;
}

/** Attribute values: strings, integers, integer lists, or `{ float }` / `{ floats }` for the float kinds. */
export type OnnxAttr = string | number | readonly number[] | { float: number } | { floats: readonly number[] };

export interface OnnxNode {
  op: string;
  /** Input names; "" marks an omitted optional input. */
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Readonly<Record<string, OnnxAttr>>;
}

export interface OnnxValue {
  name: string;
  type: OnnxElemType;
  /** Omitted: the shape is left unknown and onnxruntime infers it. */
  dims?: readonly number[];
}

export interface OnnxGraph {
  nodes: readonly OnnxNode[];
  /** Graph inputs, fed at run time. */
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  /** Constant inputs baked into the model. */
  initializers?: Readonly<Record<string, OnnxTensor>>;
  /** Default-domain opset. Default 18. */
  opset?: number;
}

const ELEM: Record<OnnxElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
};

const enc = new TextEncoder();
const AT = onnx.AttributeProto.AttributeType;

function attribute(name: string, v: OnnxAttr): onnxProto.onnx.IAttributeProto {
  if (typeof v === "string") return { name, type: AT.STRING, s: enc.encode(v) };
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer; wrap floats as { float }`);
    return { name, type: AT.INT, i: v };
  }
  if ("float" in v) return { name, type: AT.FLOAT, f: v.float };
  if ("floats" in v) return { name, type: AT.FLOATS, floats: [...v.floats] };
  return { name, type: AT.INTS, ints: [...v] };
}

function valueInfo(v: OnnxValue): onnxProto.onnx.IValueInfoProto {
  const shape = v.dims === undefined ? undefined : { dim: v.dims.map((d) => ({ dimValue: d })) };
  return { name: v.name, type: { tensorType: { elemType: ELEM[v.type], ...(shape ? { shape } : {}) } } };
}

function initializer(name: string, t: OnnxTensor): onnxProto.onnx.ITensorProto {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { name, dataType: ELEM[t.type], dims: [...t.dims], rawData: bytes.slice() };
}

/** Serializes a graph into ONNX model bytes (IR version 9, default-domain opset `graph.opset`). */
export function buildModel(graph: OnnxGraph): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 9,
    producerName: "sluice-conformance",
    opsetImport: [{ domain: "", version: graph.opset ?? 18 }],
    graph: {
      name: "g",
      node: graph.nodes.map((n, i) => ({
        name: `n${i}_${n.op}`,
        opType: n.op,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: Object.entries(graph.initializers ?? {}).map(([k, t]) => initializer(k, t)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Runs model bytes on onnxruntime-node's CPU provider and returns every graph output. */
export async function runModel(bytes: Uint8Array, feeds: Readonly<Record<string, OnnxTensor>>): Promise<Record<string, OnnxTensor>> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["cpu"], graphOptimizationLevel: "disabled" });
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(t.type, t.data, [...t.dims]);
    const res = await session.run(ortFeeds);
    const out: Record<string, OnnxTensor> = {};
    for (const [k, t] of Object.entries(res)) {
      if (!(t.type in ELEM)) throw new Error(`output ${k}: unsupported onnxruntime type ${t.type}`);
      out[k] = { type: t.type as OnnxElemType, dims: [...t.dims], data: t.data as OnnxData };
    }
    return out;
  } finally {
    await session.release();
  }
}

const ONNX_OF = { f32: "float32", u8: "uint8", i32: "int32" } as const;

/** A sluice tensor as an onnxruntime feed (shares the data). */
export function toOnnx(t: Tensor): OnnxTensor {
  return { type: ONNX_OF[t.dtype], dims: t.shape, data: t.data };
}

/** An int64 constant, e.g. Resize sizes, TopK K, CenterCropPad shape. */
export function int64(values: readonly number[], dims: readonly number[] = [values.length]): OnnxTensor {
  return { type: "int64", dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

/** A float32 constant. */
export function float32(values: readonly number[], dims: readonly number[] = [values.length]): OnnxTensor {
  return { type: "float32", dims, data: Float32Array.from(values) };
}

/**
 * An onnxruntime result as a sluice tensor: int64 becomes i32 (our index dtype), so index outputs
 * compare by value.
 */
export function fromOnnx(t: OnnxTensor): Tensor {
  switch (t.type) {
    case "float32":
      return { dtype: "f32", shape: [...t.dims], data: t.data as Float32Array };
    case "uint8":
      return { dtype: "u8", shape: [...t.dims], data: t.data as Uint8Array };
    case "int32":
      return { dtype: "i32", shape: [...t.dims], data: t.data as Int32Array };
    case "int64":
      return { dtype: "i32", shape: [...t.dims], data: Int32Array.from(t.data as BigInt64Array, (v) => Number(v)) };
  }
}

/** One operand of `runOnnxOp`: a sluice tensor fed at run time, a constant, or an omitted input. */
export type OpInput = Tensor | { constant: OnnxTensor } | null;

/**
 * Runs one ONNX op on onnxruntime and returns its outputs as sluice tensors. Tensors become graph
 * inputs, `{ constant }` become initializers, `null` is an omitted optional input.
 */
export async function runOnnxOp(
  op: string,
  inputs: readonly OpInput[],
  attrs: Readonly<Record<string, OnnxAttr>> = {},
  opts: { outputs?: number; outputTypes?: readonly OnnxElemType[]; opset?: number } = {},
): Promise<Tensor[]> {
  const names: string[] = [];
  const graphInputs: OnnxValue[] = [];
  const initializers: Record<string, OnnxTensor> = {};
  const feeds: Record<string, OnnxTensor> = {};
  inputs.forEach((inp, i) => {
    if (inp === null) return void names.push("");
    const name = `in${i}`;
    names.push(name);
    if ("constant" in inp) initializers[name] = inp.constant;
    else {
      const t = toOnnx(inp);
      graphInputs.push({ name, type: t.type, dims: t.dims });
      feeds[name] = t;
    }
  });
  const outNames = Array.from({ length: opts.outputTypes?.length ?? opts.outputs ?? 1 }, (_, i) => `out${i}`);
  const bytes = buildModel({
    nodes: [{ op, inputs: names, outputs: outNames, attrs }],
    inputs: graphInputs,
    outputs: outNames.map((name, i) => ({ name, type: opts.outputTypes?.[i] ?? outputTypeGuess(op, inputs, i) })),
    initializers,
    ...(opts.opset === undefined ? {} : { opset: opts.opset }),
  });
  const res = await runModel(bytes, feeds);
  return outNames.map((n) => fromOnnx(res[n]!));
}

/** The graph must declare each output's element type; shapes are left for onnxruntime to infer. */
function outputTypeGuess(op: string, inputs: readonly OpInput[], index: number): OnnxElemType {
  if (op === "ArgMax" || (op === "TopK" && index === 1)) return "int64";
  const first = inputs[0];
  if (!first || "constant" in first) return "float32";
  return ONNX_OF[first.dtype];
}
