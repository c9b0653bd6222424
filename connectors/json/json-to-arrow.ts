/**
 * Parsed JSON objects → Arrow record batches of a fixed schema. Each field gets a coercer
 * compiled once from its type; a row is coerced completely before anything is appended, so a
 * bad row is rejected whole (reported with the field path and the offending value) and never
 * leaves a batch half-built.
 *
 * Accepted JSON per Arrow type: Bool ← boolean; Int8…Int32, Uint8…Uint32 ← integers in range;
 * Int64/Uint64 ← safe integers or decimal strings (what the JSONL sink writes for values beyond
 * 2^53); Float ← numbers; Utf8 ← strings (any value for JSON-text fields, stored as its JSON);
 * Binary ← base64 strings; Date/Timestamp ← ISO 8601 strings or epoch milliseconds; List ←
 * arrays; FixedSizeList ← arrays of exactly the list size (nested arrays are flattened, so a
 * fixed-shape tensor reads from `[[1,2],[3,4]]`); Struct ← objects; null ← null or a missing
 * key. Other Arrow types are rejected when the reader is created, before any data flows.
 */

import { DataType, makeBuilder, makeData, RecordBatch, Struct, Type, type Builder, type Data, type Field, type Schema } from "apache-arrow";
import { isJsonTextField } from "./json-infer.js";

/** A value that does not fit its field; `path` names the field (`a.b[2]`). */
export class CoercionError extends Error {
  constructor(readonly path: string, readonly reason: string) {
    super(`field '${path}': ${reason}`);
  }
}

/** A schema type the JSON reader cannot fill. */
export class UnsupportedJsonTypeError extends Error {}

/** What to do with keys of an object that are not fields of the schema. */
export type ExtraFields = "ignore" | "reject";

type Coerce = (value: unknown, path: string) => unknown;

/** Builds record batches of `schema` from JSON objects, one row at a time. */
export class JsonBatchBuilder {
  private readonly coerce: (row: Record<string, unknown>) => unknown[];
  private builders: Builder[];
  private count = 0;

  constructor(
    readonly schema: Schema,
    extra: ExtraFields,
  ) {
    const fields = schema.fields;
    const coercers = fields.map((f) => compileField(f, f.name, extra));
    const known = new Set(fields.map((f) => f.name));
    this.coerce = (row) => {
      if (extra === "reject") for (const k of Object.keys(row)) if (!known.has(k)) throw new CoercionError(k, "not a field of the schema");
      return fields.map((f, i) => coercers[i]!(row[f.name], f.name));
    };
    this.builders = this.freshBuilders();
  }

  /** Appends one row; throws `CoercionError` (and appends nothing) when it does not fit. */
  append(row: unknown): void {
    if (row === null || typeof row !== "object" || Array.isArray(row)) throw new CoercionError("(row)", `expected a JSON object, got ${describe(row)}`);
    const values = this.coerce(row as Record<string, unknown>);
    values.forEach((v, i) => this.builders[i]!.append(v));
    this.count++;
  }

  get length(): number {
    return this.count;
  }

  /** The rows appended since the last flush as one batch; the builder starts over. */
  flush(): RecordBatch {
    const children = this.builders.map((b) => b.finish().flush() as Data);
    const batch = new RecordBatch(this.schema, makeStructData(this.schema, this.count, children));
    this.builders = this.freshBuilders();
    this.count = 0;
    return batch;
  }

  private freshBuilders(): Builder[] {
    return this.schema.fields.map((f) => makeBuilder({ type: f.type, nullValues: [null, undefined] }));
  }
}

/** Fails at reader creation when a field's type cannot be read from JSON. */
export function checkJsonSchema(schema: Schema): void {
  for (const f of schema.fields) compileField(f, f.name, "ignore");
}

function makeStructData(schema: Schema, length: number, children: Data[]): Data<Struct> {
  return makeData({ type: new Struct(schema.fields), length, children, nullCount: 0 });
}

function compileField(field: Field, path: string, extra: ExtraFields): Coerce {
  const nullable = (inner: Coerce): Coerce => (v, p) => (v === null || v === undefined ? null : inner(v, p));
  if (isJsonTextField(field)) return nullable((v) => JSON.stringify(v));
  return nullable(compileType(field.type, path, extra));
}

function compileType(type: DataType, path: string, extra: ExtraFields): Coerce {
  switch (type.typeId) {
    case Type.Null:
      return (v, p) => fail(p, "expected null", v);
    case Type.Bool:
      return (v, p) => (typeof v === "boolean" ? v : fail(p, "expected a boolean", v));
    case Type.Int:
      return intCoercer(type as DataType & { bitWidth: number; isSigned: boolean });
    case Type.Float:
      return (v, p) => (typeof v === "number" ? v : fail(p, "expected a number", v));
    case Type.Utf8:
    case Type.LargeUtf8:
      return (v, p) => (typeof v === "string" ? v : fail(p, "expected a string", v));
    case Type.Binary:
    case Type.LargeBinary:
      return (v, p) => (typeof v === "string" && BASE64.test(v) ? new Uint8Array(Buffer.from(v, "base64")) : fail(p, "expected a base64 string", v));
    case Type.Date:
    case Type.Timestamp:
      return timeCoercer(type);
    case Type.List:
    case Type.LargeList: {
      const child = type.children[0]!;
      const item = compileNullable(child, path, extra);
      return (v, p) => (Array.isArray(v) ? v.map((x, i) => item(x, `${p}[${i}]`)) : fail(p, "expected an array", v));
    }
    case Type.FixedSizeList: {
      const size = (type as DataType & { listSize: number }).listSize;
      const child = type.children[0]!;
      const item = compileNullable(child, path, extra);
      // Nested arrays flatten only into scalar items (a tensor's rows), never into list items.
      const scalarItems = !DataType.isList(child.type) && !DataType.isFixedSizeList(child.type) && !DataType.isLargeList(child.type);
      return (v, p) => {
        if (!Array.isArray(v)) return fail(p, `expected an array of ${size} values`, v);
        const flat = scalarItems && v.some(Array.isArray) ? (v.flat(Infinity) as unknown[]) : v;
        if (flat.length !== size) return fail(p, `expected ${size} values${v !== flat ? " (after flattening nested arrays)" : ""}, got ${flat.length}`, undefined);
        return flat.map((x, i) => item(x, `${p}[${i}]`));
      };
    }
    case Type.Struct: {
      const children = type.children.map((c) => ({ name: c.name, coerce: compileNullable(c, `${path}.${c.name}`, extra) }));
      const known = new Set(children.map((c) => c.name));
      return (v, p) => {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return fail(p, "expected an object", v);
        const o = v as Record<string, unknown>;
        if (extra === "reject") for (const k of Object.keys(o)) if (!known.has(k)) fail(`${p}.${k}`, "not a field of the schema", undefined);
        return children.map((c) => c.coerce(o[c.name], `${p}.${c.name}`));
      };
    }
    default:
      throw new UnsupportedJsonTypeError(`field '${path}': type ${String(type)} cannot be read from JSON`);
  }
}

function compileNullable(field: Field, path: string, extra: ExtraFields): Coerce {
  const inner = compileField(field, path, extra);
  return (v, p) => {
    const out = inner(v, p);
    if (out === null && !field.nullable) fail(p, "null in a non-nullable field", v);
    return out;
  };
}

function intCoercer(type: { bitWidth: number; isSigned: boolean }): Coerce {
  const { bitWidth, isSigned } = type;
  if (bitWidth === 64) {
    const min = isSigned ? -(2n ** 63n) : 0n;
    const max = isSigned ? 2n ** 63n - 1n : 2n ** 64n - 1n;
    return (v, p) => {
      let b: bigint | undefined;
      if (typeof v === "number" && Number.isSafeInteger(v)) b = BigInt(v);
      else if (typeof v === "string" && /^-?\d+$/.test(v)) b = BigInt(v);
      if (b === undefined) return fail(p, `expected a safe integer or a decimal string for ${isSigned ? "int64" : "uint64"}`, v);
      return b >= min && b <= max ? b : fail(p, `out of range for ${isSigned ? "int64" : "uint64"}`, v);
    };
  }
  const min = isSigned ? -(2 ** (bitWidth - 1)) : 0;
  const max = isSigned ? 2 ** (bitWidth - 1) - 1 : 2 ** bitWidth - 1;
  const name = `${isSigned ? "int" : "uint"}${bitWidth}`;
  return (v, p) => (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max ? v : fail(p, `expected an ${name} integer`, v));
}

function timeCoercer(type: DataType): Coerce {
  const unit = (type as DataType & { unit: number }).unit;
  // Arrow JS setters take epoch milliseconds; seconds-unit timestamps need whole seconds.
  const wholeSeconds = type.typeId === Type.Timestamp && unit === 0;
  return (v, p) => {
    const ms = typeof v === "number" ? v : typeof v === "string" ? Date.parse(v) : NaN;
    if (!Number.isInteger(ms)) return fail(p, "expected an ISO 8601 date-time or integer epoch milliseconds", v);
    if (wholeSeconds && ms % 1000 !== 0) return fail(p, "expected whole seconds for a seconds-unit timestamp", v);
    return ms;
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function fail(path: string, reason: string, value: unknown): never {
  throw new CoercionError(path, value === undefined ? reason : `${reason}, got ${describe(value)}`);
}

/** A short description of a JSON value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return "an object";
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}
