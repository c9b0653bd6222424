/**
 * Built-in multimodal and AI functions (DESIGN.md, "Built-in multimodal operators and AI
 * functions"): plain per-record and per-batch functions over bytes, pixels, text and tensors.
 * Operators and the async invocation layer call them; they know nothing of the executor.
 * Kernel-backed ones take `{ kernels }` (the executor's dispatcher) and otherwise use a shared
 * CPU dispatcher. Bad input raises a RecordError tagged with the step, for the dead-letter output.
 */

export * from "./kernel-runner.js";
export * from "./fetch-objects.js";
export * from "./decode-image.js";
export * from "./resize-target.js";
export * from "./image-preprocess.js";
export * from "./scores.js";
export * from "./classify.js";
export * from "./text-chunk.js";
export * from "./basic-tokenizer.js";
export * from "./wordpiece-vocab.js";
export * from "./wordpiece-tokenizer.js";
export * from "./embed.js";
export * from "./vector-index.js";
