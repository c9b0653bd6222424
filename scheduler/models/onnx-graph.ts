/**
 * A small in-memory ONNX graph writer (onnx-proto), for the models sluice builds itself: the demo
 * classifier, test and benchmark models. Deterministic: the same graph gives the same bytes.
 */

import onnxProto from "onnx-proto";

const { onnx } = onnxProto;

/** Element types the builders use. */
export type GraphElemType = "float32" | "float64" | "int64" | "int32" | "uint8" | "bool";

/** A dim: a number, or a symbol naming a dynamic dim (`"N"`). */
export type GraphDim = number | string;

export interface GraphValue {
  name: string;
  type: GraphElemType;
  /** Omitted: unknown shape, left for onnxruntime to infer. */
  shape?: readonly GraphDim[];
}

/** Attribute values: an int, a list of ints, `{ f }` for a float, `{ s }` for a string. */
export type GraphAttr = number | readonly number[] | { f: number } | { s: string };

export interface GraphNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: Readonly<Record<string, GraphAttr>>;
}

/** A constant baked into the model. */
export interface GraphInitializer {
  type: "float32" | "int64";
  dims: readonly number[];
  data: Float32Array | BigInt64Array;
}

export interface GraphSpec {
  name: string;
  nodes: readonly GraphNode[];
  inputs: readonly GraphValue[];
  outputs: readonly GraphValue[];
  initializers?: Readonly<Record<string, GraphInitializer>>;
  /** Default-domain opset. Default 18. */
  opset?: number;
  /** A line stored as the model's doc string. */
  doc?: string;
}

const ELEM: Record<GraphElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  uint8: onnx.TensorProto.DataType.UINT8,
  bool: onnx.TensorProto.DataType.BOOL,
};

const AT = onnx.AttributeProto.AttributeType;
const utf8 = new TextEncoder();

/** The ONNX element type code of `type` (for Cast's `to` attribute). */
export function elemTypeCode(type: GraphElemType): number {
  return ELEM[type];
}

/** Serializes a graph to ONNX model bytes (IR version 9). */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 9,
    producerName: "sluice",
    docString: spec.doc ?? "",
    opsetImport: [{ domain: "", version: spec.opset ?? 18 }],
    graph: {
      name: spec.name,
      node: spec.nodes.map((n, i) => ({
        name: `${i}_${n.op}`,
        opType: n.op,
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
      initializer: Object.entries(spec.initializers ?? {}).map(([name, t]) => ({
        name,
        dataType: ELEM[t.type],
        dims: [...t.dims],
        rawData: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice(),
      })),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** A float32 initializer. */
export function floats(dims: readonly number[], data: Float32Array): GraphInitializer {
  return { type: "float32", dims, data };
}

/** An int64 initializer (axes, shapes). */
export function int64s(values: readonly number[], dims: readonly number[] = [values.length]): GraphInitializer {
  return { type: "int64", dims, data: BigInt64Array.from(values, (v) => BigInt(v)) };
}

function attribute(name: string, v: GraphAttr): onnxProto.onnx.IAttributeProto {
  if (typeof v === "number") return { name, type: AT.INT, i: v };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: [...(v as readonly number[])] };
  if ("f" in (v as object)) return { name, type: AT.FLOAT, f: (v as { f: number }).f };
  return { name, type: AT.STRING, s: utf8.encode((v as { s: string }).s) };
}

function valueInfo(v: GraphValue): onnxProto.onnx.IValueInfoProto {
  const shape = v.shape === undefined ? undefined : { dim: v.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) };
  return { name: v.name, type: { tensorType: { elemType: ELEM[v.type], ...(shape ? { shape } : {}) } } };
}
