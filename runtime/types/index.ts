/**
 * Multimodal Arrow extension types (DESIGN.md, "Data: Arrow everywhere").
 *
 * apache-arrow JS has no extension-type registry, so each type is a storage Arrow type plus the
 * Field metadata `ARROW:extension:name` / `ARROW:extension:metadata`. For each type this module
 * offers: a Field constructor, builders from typed arrays or plain values (`…Column`), an
 * `…Info(field)` that recognises and validates it, and views back (`…View`, `…Row`, `…At`) that
 * alias the Arrow buffers. `columnOf` / `recordBatchFromColumns` / `tableFromColumns` /
 * `withColumn` move columns in and out of batches without losing the metadata.
 *
 * | type | storage | extension name |
 * |---|---|---|
 * | fixed-shape tensor | FixedSizeList<T>[prod(shape)] | arrow.fixed_shape_tensor |
 * | variable-shape tensor | Struct<data: List<T>, shape: FixedSizeList<int32>[ndim]> | arrow.variable_shape_tensor |
 * | image | Struct<data: Binary, width, height, channels: int32, mode: Utf8> or Binary | sluice.image |
 * | embedding | FixedSizeList<float32>[dim] | sluice.embedding |
 * | object reference | Struct<uri, offset, length, etag, content_type> | sluice.object_ref |
 */

// Errors, element types, and the extension-metadata plumbing shared by all types.
export * from "./type-errors.js";
export * from "./element-types.js";
export * from "./extension-field.js";

// Tensors (Arrow canonical extension types).
export { logicalShape, type FixedShapeTensorParams, type VariableShapeTensorParams } from "./tensor-metadata.js";
export * from "./fixed-shape-tensor.js";
export * from "./variable-shape-tensor.js";

// Images, embeddings, object references (sluice types).
export * from "./image-format.js";
export * from "./image.js";
export * from "./image-decoded.js";
export * from "./image-encoded.js";
export * from "./embedding.js";
export * from "./object-ref.js";

// Recognition and batch assembly.
export * from "./recognize.js";
export * from "./multimodal-batch.js";
export * from "./take-rows.js";
