/**
 * A small seeded image classifier for `sluice demo` and tests: `pixels [N,3,H,W]` float32 (NCHW,
 * normalized) → Conv 3×3/2 → Relu → Conv 3×3/2 → Relu → GlobalAveragePool → Flatten →
 * LayerNormalization → Gemm → Softmax → `probs [N, classes]`. About 20 M multiply-adds per 224×224 image: cheap on 2 cores,
 * yet real convolution work. Its predictions mean nothing; they do depend on the pixels.
 */

import { encodeModel, floats, type GraphDim } from "./onnx-graph.js";
import { normalArray } from "./seeded-random.js";

export interface ImageClassifierOptions {
  /** Default 10 (names in `IMAGE_CLASSIFIER_LABELS`). */
  classes?: number;
  /** Input height and width. Default 224. */
  imageSize?: number;
  /** Channels of the two convolutions. Default [16, 32]. */
  channels?: readonly [number, number];
  /** Weight seed. Default 7. */
  seed?: number;
  /** Dim 0: a symbol for a dynamic batch (default `"N"`) or a fixed size. */
  batch?: GraphDim;
}

export const IMAGE_CLASSIFIER_INPUT = "pixels";
export const IMAGE_CLASSIFIER_OUTPUT = "probs";

/** Names for the default 10 classes, in output order (a label file for the classify built-in). */
export const IMAGE_CLASSIFIER_LABELS: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];

/** Builds the classifier's ONNX bytes. Same options, same bytes. */
export function buildImageClassifier(opts: ImageClassifierOptions = {}): Uint8Array {
  const { classes = 10, imageSize = 224, channels = [16, 32], seed = 7, batch = "N" } = opts;
  const [c1, c2] = channels;
  const conv = { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] };
  const conv1B = normalArray(c1, 0.1, seed + 1);
  const conv2W = normalArray(c2 * c1 * 9, Math.sqrt(2 / (c1 * 9)), seed + 2);
  const conv2B = normalArray(c2, 0.1, seed + 3);
  const fcW = normalArray(c2 * classes, 2 / Math.sqrt(c2), seed + 4);
  const lnBias = centeringBias(conv1B, conv2W, conv2B, c1, c2);
  return encodeModel({
    name: "sluice_image_classifier",
    doc: `image classifier 3×${imageSize}×${imageSize} → ${classes}, seed ${seed}`,
    inputs: [{ name: IMAGE_CLASSIFIER_INPUT, type: "float32", shape: [batch, 3, imageSize, imageSize] }],
    outputs: [{ name: IMAGE_CLASSIFIER_OUTPUT, type: "float32", shape: [batch, classes] }],
    initializers: {
      conv1_w: floats([c1, 3, 3, 3], normalArray(c1 * 27, Math.sqrt(2 / 27), seed)),
      conv1_b: floats([c1], conv1B),
      conv2_w: floats([c2, c1, 3, 3], conv2W),
      conv2_b: floats([c2], conv2B),
      fc_w: floats([c2, classes], fcW),
      ln_scale: floats([c2], new Float32Array(c2).fill(1)),
      ln_bias: floats([c2], lnBias),
      fc_b: floats([classes], normalArray(classes, 0.1, seed + 5)),
    },
    nodes: [
      { op: "Conv", inputs: [IMAGE_CLASSIFIER_INPUT, "conv1_w", "conv1_b"], outputs: ["c1"], attrs: conv },
      { op: "Relu", inputs: ["c1"], outputs: ["r1"] },
      { op: "Conv", inputs: ["r1", "conv2_w", "conv2_b"], outputs: ["c2"], attrs: conv },
      { op: "Relu", inputs: ["c2"], outputs: ["r2"] },
      { op: "GlobalAveragePool", inputs: ["r2"], outputs: ["pooled"] },
      { op: "Flatten", inputs: ["pooled"], outputs: ["features"], attrs: { axis: 1 } },
      { op: "LayerNormalization", inputs: ["features", "ln_scale", "ln_bias"], outputs: ["normed"], attrs: { axis: -1 } },
      { op: "Gemm", inputs: ["normed", "fc_w", "fc_b"], outputs: ["logits"] },
      { op: "Softmax", inputs: ["logits"], outputs: [IMAGE_CLASSIFIER_OUTPUT], attrs: { axis: -1 } },
    ],
  });
}

/**
 * The pooled features of every image share a large part (the biases through the Relus); left
 * alone it picks the same class for most images. LayerNormalization removes each image's overall
 * level, and this bias subtracts the normalized features of a blank (all-zero, i.e. mean-gray once
 * normalized) image, computed for the interior of the feature map, so the prediction follows how
 * an image's pattern differs from gray.
 */
function centeringBias(conv1B: Float32Array, conv2W: Float32Array, conv2B: Float32Array, c1: number, c2: number): Float32Array {
  const blank = new Float64Array(c2);
  for (let o = 0; o < c2; o++) {
    let acc = conv2B[o]!;
    for (let i = 0; i < c1; i++) {
      const r1 = Math.max(0, conv1B[i]!);
      for (let k = 0; k < 9; k++) acc += conv2W[(o * c1 + i) * 9 + k]! * r1;
    }
    blank[o] = Math.max(0, acc);
  }
  const mean = blank.reduce((a, b) => a + b, 0) / c2;
  const variance = blank.reduce((a, b) => a + (b - mean) ** 2, 0) / c2;
  const inv = 1 / Math.sqrt(variance + 1e-5);
  return Float32Array.from(blank, (v) => -(v - mean) * inv);
}
