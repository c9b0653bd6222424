/**
 * Multimodal Arrow extension types: builders from typed arrays and plain values, recognition
 * from Field metadata, zero-copy typed views back, and batch/table assembly that keeps the
 * metadata. See DESIGN.md, "Data: Arrow everywhere".
 */

export * from "./type-errors.js";
export * from "./element-types.js";
export * from "./extension-field.js";
export { logicalShape, type FixedShapeTensorParams, type VariableShapeTensorParams } from "./tensor-metadata.js";
export * from "./fixed-shape-tensor.js";
export * from "./multimodal-batch.js";
export * from "./variable-shape-tensor.js";
export * from "./embedding.js";
export * from "./image-format.js";
export * from "./image.js";
export * from "./image-decoded.js";
export * from "./image-encoded.js";
export * from "./object-ref.js";
export * from "./recognize.js";
