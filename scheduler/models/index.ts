/** Model sessions: the `ModelRuntime` interface, its onnxruntime backends, batching, and model builders. */

export type { ModelBackendName, ModelDim, ModelIO, ModelRuntime, ModelState, WarmUpOptions, WarmUpRun } from "./model-runtime.js";
export { ModelFeedError, ModelLoadError, ModelRunError, ModelSessionError, ModelStateError } from "./model-errors.js";
export { loadModel, type LoadModelOptions, type ModelRuntimeKind } from "./load-model.js";
export type { ModelSession, SessionValueInfo } from "./model-session.js";
export { ortWebThreads } from "./ort-web-session.js";
export { SessionModel, type SessionModelInfo } from "./session-model.js";
export type { RawData, RawTensor } from "./onnx-dtypes.js";
export { inputDtypeFor, outputDtypeFor } from "./onnx-dtypes.js";
export { batchDim, type BatchDim } from "./batch-dim.js";
export { split, stack } from "./stack-split.js";
export { runBatched, runRows, type RunBatchedOptions } from "./run-batched.js";
export { assertFeeds, checkFeeds, type FeedColumn, type FeedMismatch } from "./check-feeds.js";
export { buildMlp, MLP_INPUT, MLP_OUTPUT, type MlpOptions } from "./build-mlp.js";
export {
  buildImageClassifier,
  IMAGE_CLASSIFIER_INPUT,
  IMAGE_CLASSIFIER_LABELS,
  IMAGE_CLASSIFIER_OUTPUT,
  type ImageClassifierOptions,
} from "./build-image-classifier.js";
export { buildTextEmbedder, TEXT_EMBEDDER_IDS, TEXT_EMBEDDER_MASK, TEXT_EMBEDDER_OUTPUT, type TextEmbedderOptions } from "./build-text-embedder.js";
