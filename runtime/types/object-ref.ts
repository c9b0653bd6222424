/**
 * `sluice.object_ref`: a reference to bytes stored elsewhere (DESIGN.md, OBJECT_REF), so large
 * payloads travel through batches as a few dozen bytes. Storage: Struct<uri: Utf8 (required),
 * offset: Int64, length: Int64, etag: Utf8, content_type: Utf8> — all but `uri` nullable.
 * `offset`/`length` select a byte range (absent: from 0 / to the end); `etag` pins a version.
 * Metadata: `{}` (no parameters yet; an empty string is read as `{}`).
 */

import { DataType, Field, Int64, Struct, Utf8, makeVector, type Data } from "apache-arrow";
import { chunkRow, isRowValid } from "./column-chunks.js";
import {
  OBJECT_REF,
  cachedFieldInfo,
  extensionField,
  extensionNameOf,
  readMetadataObject,
  requireExtension,
  requireVectorMatchesField,
  type ExtensionColumn,
} from "./extension-field.js";
import { int64Data, structData, utf8Data, validityOfRows } from "./storage-data.js";
import { TypeMismatchError, describeValue } from "./type-errors.js";

/** A reference to (a byte range of) an object. */
export interface ObjectRef {
  /** Where the object lives, with a scheme: `file:///…`, `https://…`, `memory://…`, `s3://…`. */
  readonly uri: string;
  readonly offset?: number;
  readonly length?: number;
  readonly etag?: string;
  readonly contentType?: string;
}

/** Storage of an object-ref column. */
export type ObjectRefStorage = Struct<{ uri: Utf8; offset: Int64; length: Int64; etag: Utf8; content_type: Utf8 }>;
export type ObjectRefColumn = ExtensionColumn<ObjectRefStorage>;

/** Child fields of the storage, in order, with their Arrow names. */
export const OBJECT_REF_CHILDREN = ["uri", "offset", "length", "etag", "content_type"] as const;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export function objectRefStorage(): ObjectRefStorage {
  return new Struct<{ uri: Utf8; offset: Int64; length: Int64; etag: Utf8; content_type: Utf8 }>([
    new Field("uri", new Utf8(), false),
    new Field("offset", new Int64(), true),
    new Field("length", new Int64(), true),
    new Field("etag", new Utf8(), true),
    new Field("content_type", new Utf8(), true),
  ]);
}

/** An object-ref Field (no values). */
export function objectRefField(name: string, nullable = true): Field<ObjectRefStorage> {
  return extensionField(name, objectRefStorage(), OBJECT_REF, "{}", nullable);
}

/** Builds a column of references (null/undefined rows are nulls), validating each. */
export function objectRefColumn(name: string, refs: ReadonlyArray<ObjectRef | null | undefined>, options: { readonly nullable?: boolean } = {}): ObjectRefColumn {
  refs.forEach((r, i) => r !== null && r !== undefined && checkRef(name, i, r));
  const field = objectRefField(name, options.nullable ?? true);
  const pick = <K extends keyof ObjectRef>(k: K): (ObjectRef[K] | null)[] => refs.map((r) => (r === null || r === undefined ? null : r[k]));
  const children: Data[] = [
    // uri is non-nullable: a null row's slot is "" and hidden by the struct's validity.
    utf8Data(refs.map((r) => r?.uri ?? "")),
    int64Data(pick("offset")),
    int64Data(pick("length")),
    utf8Data(pick("etag")),
    utf8Data(pick("contentType")),
  ];
  return { field, vector: makeVector(structData(field.type, refs.length, children, validityOfRows(refs))) };
}

/** Whether a field is tagged `sluice.object_ref` (storage not validated). */
export function isObjectRefField(field: Field<DataType>): boolean {
  return extensionNameOf(field) === OBJECT_REF;
}

/** Validates an object-ref field's metadata and storage. */
export function objectRefInfo(field: Field<DataType>): Record<string, never> {
  return cachedFieldInfo(field, readObjectRefInfo);
}

function readObjectRefInfo(field: Field<DataType>): Record<string, never> {
  requireExtension(field, OBJECT_REF);
  readMetadataObject(field, OBJECT_REF, true);
  const type: DataType = field.type;
  const expected = "Struct<uri: Utf8, offset: Int64, length: Int64, etag: Utf8, content_type: Utf8>";
  if (!DataType.isStruct(type)) throw new TypeMismatchError(field.name, "storage type", expected, String(type));
  const names = type.children.map((f) => f.name);
  if (names.length !== OBJECT_REF_CHILDREN.length || names.some((n, i) => n !== OBJECT_REF_CHILDREN[i])) {
    throw new TypeMismatchError(field.name, "object_ref child names", `[${OBJECT_REF_CHILDREN.join(", ")}]`, `[${names.join(", ")}]`);
  }
  const kinds = type.children.map((f) => f.type as DataType);
  const i64 = (t: DataType): boolean => DataType.isInt(t) && t.bitWidth === 64 && t.isSigned;
  if (!DataType.isUtf8(kinds[0]!) || !i64(kinds[1]!) || !i64(kinds[2]!) || !DataType.isUtf8(kinds[3]!) || !DataType.isUtf8(kinds[4]!)) {
    throw new TypeMismatchError(field.name, "storage type", expected, String(type));
  }
  return {};
}

/** Row `row` as a plain reference, or null for a null row. */
export function objectRefAt(column: ExtensionColumn, row: number): ObjectRef | null {
  objectRefInfo(column.field);
  requireVectorMatchesField(column);
  const { data, index } = chunkRow(column.vector, row, column.field.name);
  return refOf(column.field.name, data, index, row);
}

/** All rows as plain references (nulls as null). */
export function objectRefs(column: ExtensionColumn): (ObjectRef | null)[] {
  objectRefInfo(column.field);
  requireVectorMatchesField(column);
  const out: (ObjectRef | null)[] = [];
  for (const data of column.vector.data) for (let i = 0; i < data.length; i++) out.push(refOf(column.field.name, data, i, out.length));
  return out;
}

function refOf(name: string, data: Data, index: number, row: number): ObjectRef | null {
  if (!isRowValid(data, index)) return null;
  const [uri, offset, length, etag, contentType] = data.children as [Data, Data, Data, Data, Data];
  const ref: ObjectRef = {
    uri: str(uri, index) ?? "",
    ...optional("offset", int(name, row, "offset", offset, index)),
    ...optional("length", int(name, row, "length", length, index)),
    ...optional("etag", str(etag, index)),
    ...optional("contentType", str(contentType, index)),
  };
  checkRef(name, row, ref);
  return ref;
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

const decoder = new TextDecoder();

function str(d: Data, i: number): string | undefined {
  if (!isRowValid(d, i)) return undefined;
  const o = d.valueOffsets as Int32Array;
  return decoder.decode((d.values as Uint8Array).subarray(o[i]!, o[i + 1]!));
}

function int(name: string, row: number, key: string, d: Data, i: number): number | undefined {
  if (!isRowValid(d, i)) return undefined;
  const v = (d.values as BigInt64Array)[i]!;
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < 0n) throw new TypeMismatchError(name, `row ${row} ${key}`, "a non-negative safe integer", `${v}`);
  return Number(v);
}

function checkRef(name: string, row: number, r: ObjectRef): void {
  if (typeof r.uri !== "string" || !SCHEME.test(r.uri)) {
    throw new TypeMismatchError(name, `row ${row} uri`, "a URI with a scheme (file:, https:, memory:, …)", describeValue(r.uri));
  }
  for (const key of ["offset", "length"] as const) {
    const v = r[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
      throw new TypeMismatchError(name, `row ${row} ${key}`, "a non-negative safe integer", describeValue(v));
    }
  }
  for (const key of ["etag", "contentType"] as const) {
    const v = r[key];
    if (v !== undefined && typeof v !== "string") throw new TypeMismatchError(name, `row ${row} ${key}`, "a string", describeValue(v));
  }
}
