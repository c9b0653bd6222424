/**
 * One entry point to recognise a multimodal column from its Field: which extension type it is,
 * with its validated parameters. The planner uses it to type-check steps against the schema.
 */

import type { DataType, Field, Schema, TypeMap } from "apache-arrow";
import { embeddingInfo, type EmbeddingInfo } from "./embedding.js";
import { EMBEDDING, FIXED_SHAPE_TENSOR, IMAGE, OBJECT_REF, VARIABLE_SHAPE_TENSOR, extensionNameOf } from "./extension-field.js";
import { fixedShapeTensorInfo, type FixedShapeTensorInfo } from "./fixed-shape-tensor.js";
import { imageInfo, type ImageParams } from "./image.js";
import { objectRefInfo } from "./object-ref.js";
import { variableShapeTensorInfo, type VariableShapeTensorInfo } from "./variable-shape-tensor.js";

/** A recognised multimodal column type, discriminated by extension name. */
export type MultimodalType =
  | { readonly extension: typeof FIXED_SHAPE_TENSOR; readonly info: FixedShapeTensorInfo }
  | { readonly extension: typeof VARIABLE_SHAPE_TENSOR; readonly info: VariableShapeTensorInfo }
  | { readonly extension: typeof IMAGE; readonly info: ImageParams }
  | { readonly extension: typeof EMBEDDING; readonly info: EmbeddingInfo }
  | { readonly extension: typeof OBJECT_REF; readonly info: Record<string, never> };

/**
 * The multimodal type of a field, validated; undefined for plain Arrow columns and for extension
 * names sluice does not know (those pass through operators untouched). Throws when a known
 * extension's metadata or storage is invalid.
 */
export function multimodalTypeOf(field: Field<DataType>): MultimodalType | undefined {
  switch (extensionNameOf(field)) {
    case FIXED_SHAPE_TENSOR:
      return { extension: FIXED_SHAPE_TENSOR, info: fixedShapeTensorInfo(field) };
    case VARIABLE_SHAPE_TENSOR:
      return { extension: VARIABLE_SHAPE_TENSOR, info: variableShapeTensorInfo(field) };
    case IMAGE:
      return { extension: IMAGE, info: imageInfo(field) };
    case EMBEDDING:
      return { extension: EMBEDDING, info: embeddingInfo(field) };
    case OBJECT_REF:
      return { extension: OBJECT_REF, info: objectRefInfo(field) };
    default:
      return undefined;
  }
}

/** The multimodal columns of a schema by name, in schema order. */
export function multimodalColumns(schema: Schema<TypeMap>): Map<string, MultimodalType> {
  const out = new Map<string, MultimodalType>();
  for (const f of schema.fields) {
    const t = multimodalTypeOf(f);
    if (t !== undefined) out.set(f.name, t);
  }
  return out;
}
