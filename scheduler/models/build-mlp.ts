/**
 * A seeded multilayer perceptron, `x [N, inputSize] → MatMul+Add → Relu → MatMul+Add → Softmax →
 * probs [N, classes]`, with a dynamic batch dim: the model of the batching benchmark and tests.
 */

import { encodeModel, floats, type GraphDim } from "./onnx-graph.js";
import { normalArray } from "./seeded-random.js";

export interface MlpOptions {
  /** Default 64. */
  inputSize?: number;
  /** Default 256. */
  hidden?: number;
  /** Default 10. */
  classes?: number;
  /** Weight seed. Default 1. */
  seed?: number;
  /** Dim 0 of input and output: a symbol for a dynamic batch (default `"N"`) or a fixed size. */
  batch?: GraphDim;
}

export const MLP_INPUT = "x";
export const MLP_OUTPUT = "probs";

/** Builds the MLP's ONNX bytes. Same options, same bytes. */
export function buildMlp(opts: MlpOptions = {}): Uint8Array {
  const { inputSize = 64, hidden = 256, classes = 10, seed = 1, batch = "N" } = opts;
  return encodeModel({
    name: "sluice_mlp",
    doc: `MLP ${inputSize}→${hidden}→${classes}, seed ${seed}`,
    inputs: [{ name: MLP_INPUT, type: "float32", shape: [batch, inputSize] }],
    outputs: [{ name: MLP_OUTPUT, type: "float32", shape: [batch, classes] }],
    initializers: {
      // He initialisation keeps activations from vanishing through the Relu.
      w1: floats([inputSize, hidden], normalArray(inputSize * hidden, Math.sqrt(2 / inputSize), seed)),
      b1: floats([hidden], normalArray(hidden, 0.1, seed + 1)),
      w2: floats([hidden, classes], normalArray(hidden * classes, Math.sqrt(2 / hidden), seed + 2)),
      b2: floats([classes], normalArray(classes, 0.1, seed + 3)),
    },
    nodes: [
      { op: "MatMul", inputs: [MLP_INPUT, "w1"], outputs: ["h0"] },
      { op: "Add", inputs: ["h0", "b1"], outputs: ["h1"] },
      { op: "Relu", inputs: ["h1"], outputs: ["h2"] },
      { op: "MatMul", inputs: ["h2", "w2"], outputs: ["l0"] },
      { op: "Add", inputs: ["l0", "b2"], outputs: ["logits"] },
      { op: "Softmax", inputs: ["logits"], outputs: [MLP_OUTPUT], attrs: { axis: -1 } },
    ],
  });
}
