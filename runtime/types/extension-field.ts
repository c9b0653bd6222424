/**
 * Extension types the Arrow way, without a registry: apache-arrow JS has no ExtensionType class,
 * so a column's logical type lives in its Field metadata under the two standard keys and travels
 * with the schema through every batch and through IPC. The storage is an ordinary Arrow type.
 */

import { sameType } from "./same-type.js";
import { Field, type DataType, type Vector } from "apache-arrow";
import { ExtensionMetadataError, TypeMismatchError, describeValue } from "./type-errors.js";

/** Field metadata key holding the extension type name. */
export const EXTENSION_NAME_KEY = "ARROW:extension:name";
/** Field metadata key holding the extension type's serialized parameters. */
export const EXTENSION_METADATA_KEY = "ARROW:extension:metadata";

/** The extension names sluice understands. */
export const FIXED_SHAPE_TENSOR = "arrow.fixed_shape_tensor";
export const VARIABLE_SHAPE_TENSOR = "arrow.variable_shape_tensor";
export const IMAGE = "sluice.image";
export const EMBEDDING = "sluice.embedding";
export const OBJECT_REF = "sluice.object_ref";

export type MultimodalExtensionName =
  | typeof FIXED_SHAPE_TENSOR
  | typeof VARIABLE_SHAPE_TENSOR
  | typeof IMAGE
  | typeof EMBEDDING
  | typeof OBJECT_REF;

export const MULTIMODAL_EXTENSION_NAMES: readonly MultimodalExtensionName[] = [
  FIXED_SHAPE_TENSOR,
  VARIABLE_SHAPE_TENSOR,
  IMAGE,
  EMBEDDING,
  OBJECT_REF,
];

/**
 * A column as operators see it: the Field (name, storage type, extension metadata) and its
 * values. Builders return one; views take one.
 */
export interface ExtensionColumn<T extends DataType = DataType> {
  readonly field: Field<T>;
  readonly vector: Vector<T>;
}

/** The extension name a field declares, or undefined for a plain Arrow column. */
export function extensionNameOf(field: Field<DataType>): string | undefined {
  return field.metadata.get(EXTENSION_NAME_KEY);
}

/** The raw extension metadata string a field carries, or undefined. */
export function extensionMetadataOf(field: Field<DataType>): string | undefined {
  return field.metadata.get(EXTENSION_METADATA_KEY);
}

/**
 * A Field tagged with an extension type. Other metadata entries in `extra` are kept; the two
 * extension keys always win.
 */
export function extensionField<T extends DataType>(
  name: string,
  storage: T,
  extension: string,
  metadata: string,
  nullable = true,
  extra?: ReadonlyMap<string, string>,
): Field<T> {
  const md = new Map<string, string>(extra ?? []);
  md.set(EXTENSION_NAME_KEY, extension);
  md.set(EXTENSION_METADATA_KEY, metadata);
  return new Field(name, storage, nullable, md);
}

/** Throws unless the field declares exactly `extension`. */
export function requireExtension(field: Field<DataType>, extension: string): void {
  const actual = extensionNameOf(field);
  if (actual !== extension) {
    throw new TypeMismatchError(field.name, "extension type", extension, actual === undefined ? "a plain Arrow column (no extension name)" : actual);
  }
}

/**
 * Parses the field's extension metadata as a JSON object. A missing key or empty string is an
 * error unless `allowEmpty` (then `{}`), as the variable-shape tensor spec permits.
 */
export function readMetadataObject(field: Field<DataType>, extension: string, allowEmpty: boolean): Record<string, unknown> {
  const raw = extensionMetadataOf(field);
  if (raw === undefined || raw.trim() === "") {
    if (allowEmpty) return {};
    throw new ExtensionMetadataError(field.name, extension, "a JSON object", raw === undefined ? "no metadata" : "an empty string");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new ExtensionMetadataError(field.name, extension, "valid JSON", describeValue(raw), { cause: e });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ExtensionMetadataError(field.name, extension, "a JSON object", describeValue(parsed));
  }
  return parsed as Record<string, unknown>;
}

/** Throws when the vector's type is not the field's type (a column assembled by hand wrongly). */
export function requireVectorMatchesField(column: ExtensionColumn): void {
  const { field, vector } = column;
  if (!sameType(field.type, vector.type)) {
    throw new TypeMismatchError(field.name, "vector type", String(field.type), String(vector.type));
  }
}

const infoCache = new WeakMap<Field, { name: string | undefined; metadata: string | undefined; value: unknown }>();

/**
 * Memoizes a field's validated parameters. Row views call `…Info(field)` on every row, and the
 * JSON parse and storage checks would dominate a row loop; a Field's type is fixed, and its
 * metadata Map is re-read on every call so an edited Map is re-validated.
 */
export function cachedFieldInfo<T>(field: Field<DataType>, compute: (field: Field<DataType>) => T): T {
  const name = extensionNameOf(field);
  const metadata = extensionMetadataOf(field);
  const hit = infoCache.get(field);
  if (hit !== undefined && hit.name === name && hit.metadata === metadata) return hit.value as T;
  const value = deepFreeze(compute(field));
  infoCache.set(field, { name, metadata, value });
  return value;
}

/** Shared cached values must not be edited by one caller under another's feet. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
