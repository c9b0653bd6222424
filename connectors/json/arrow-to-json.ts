/**
 * Arrow values → JSON, for the JSONL sink. One converter per field is compiled from its type
 * (and extension type) before any row is written, visitor style, so the row loop only calls
 * closures. Conversions for what JSON lacks:
 *
 * - Int64/Uint64 → a number when within ±2^53, else a decimal string (no silent rounding);
 * - Float NaN / ±Infinity → null (JSON has no such numbers);
 * - Binary → base64 string, or the key is left out with `binary: "omit"`;
 * - Date → `YYYY-MM-DD`; Timestamp → ISO 8601 (UTC, millisecond precision);
 * - `arrow.fixed_shape_tensor` → nested arrays of the tensor's shape; variable-shape tensors →
 *   nested arrays of each row's shape; other lists and embeddings → arrays;
 * - Struct (decoded images, object refs) → objects; Map → an object when keys are strings, else
 *   an array of `[key, value]` pairs; Dictionary → its decoded value;
 * - Utf8 columns tagged JSON text (see json-infer.ts) → the JSON value they hold.
 */

import { DataType, Type, type Field, type RecordBatch, type Schema, type Vector } from "apache-arrow";
import type { Json } from "../../runtime/api/stream.js";
import { FIXED_SHAPE_TENSOR, VARIABLE_SHAPE_TENSOR, extensionNameOf, fixedShapeTensorInfo } from "../../runtime/types/index.js";
import { isJsonTextField } from "./json-infer.js";

export interface JsonWriteOptions {
  /** Binary values: `base64` strings (default) or left out of the object. */
  readonly binary?: "base64" | "omit";
}

/** `undefined` means "leave the key out". */
type Convert = (value: unknown) => Json | undefined;

/** Compiles a schema into a function from a batch to one JSON text per row. */
export function compileRowWriter(schema: Schema, opts: JsonWriteOptions = {}): (batch: RecordBatch) => string[] {
  const columns = schema.fields.map((f) => ({ name: f.name, convert: compileField(f, opts) }));
  return (batch) => {
    const vectors = columns.map((_, i) => batch.getChildAt(i) as Vector);
    const out = new Array<string>(batch.numRows);
    for (let r = 0; r < batch.numRows; r++) {
      const obj: { [key: string]: Json } = {};
      for (let c = 0; c < columns.length; c++) {
        const v = columns[c]!.convert(vectors[c]!.get(r));
        if (v !== undefined) obj[columns[c]!.name] = v;
      }
      out[r] = JSON.stringify(obj);
    }
    return out;
  };
}

function compileField(field: Field, opts: JsonWriteOptions): Convert {
  const inner = compileExtension(field, opts) ?? compileType(field.type, opts);
  return (v) => (v === null || v === undefined ? null : inner(v));
}

function compileExtension(field: Field, opts: JsonWriteOptions): Convert | undefined {
  if (isJsonTextField(field) && DataType.isUtf8(field.type)) {
    return (v) => {
      try {
        return JSON.parse(v as string) as Json;
      } catch {
        return v as string;
      }
    };
  }
  const ext = extensionNameOf(field);
  if (ext === FIXED_SHAPE_TENSOR) {
    const { shape } = fixedShapeTensorInfo(field);
    const item = compileType((field.type as DataType & { valueType: DataType }).valueType, opts);
    return (v) => nest(Array.from(v as Vector, (x) => (x === null ? null : item(x) ?? null)), shape);
  }
  if (ext === VARIABLE_SHAPE_TENSOR && DataType.isStruct(field.type)) {
    const dataField = field.type.children.find((c) => c.name === "data");
    const item = dataField !== undefined && DataType.isList(dataField.type) ? compileType(dataField.type.valueType, opts) : undefined;
    if (item === undefined) return undefined;
    return (v) => {
      const row = v as { data: Vector | null; shape: Vector | null };
      if (row.data === null || row.shape === null) return null;
      const flat = Array.from(row.data, (x) => (x === null ? null : item(x) ?? null));
      return nest(flat, Array.from(row.shape as Iterable<number>));
    };
  }
  return undefined;
}

function compileType(type: DataType, opts: JsonWriteOptions): Convert {
  switch (type.typeId) {
    case Type.Null:
      return () => null;
    case Type.Bool:
    case Type.Utf8:
    case Type.LargeUtf8:
      return (v) => v as Json;
    case Type.Int:
    case Type.Time:
    case Type.Duration:
    case Type.Decimal:
      return integer;
    case Type.Float:
      return (v) => (Number.isFinite(v as number) ? (v as number) : null);
    case Type.Binary:
    case Type.LargeBinary:
    case Type.FixedSizeBinary:
      return opts.binary === "omit" ? () => undefined : (v) => Buffer.from(v as Uint8Array).toString("base64");
    case Type.Date:
      return (v) => new Date(v as number).toISOString().slice(0, 10);
    case Type.Timestamp:
      return (v) => new Date(Math.floor(v as number)).toISOString();
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const item = compileType((type as DataType & { valueType: DataType }).valueType, opts);
      return (v) => Array.from(v as Vector, (x) => (x === null || x === undefined ? null : item(x) ?? null));
    }
    case Type.Struct: {
      const children = type.children.map((f) => ({ name: f.name, convert: compileField(f, opts) }));
      return (v) => {
        const row = v as Record<string, unknown>;
        const obj: { [key: string]: Json } = {};
        for (const c of children) {
          const x = c.convert(row[c.name]);
          if (x !== undefined) obj[c.name] = x;
        }
        return obj;
      };
    }
    case Type.Map: {
      const [keyField, valueField] = (type.children[0]!.type as DataType).children as [Field, Field];
      const key = compileField(keyField, opts);
      const value = compileField(valueField, opts);
      return (v) => {
        const entries = [...(v as Iterable<[unknown, unknown]>)].map(([k, x]) => [key(k) ?? null, value(x) ?? null] as [Json, Json]);
        return entries.every(([k]) => typeof k === "string") ? Object.fromEntries(entries) : entries;
      };
    }
    case Type.Dictionary:
      return compileType((type as DataType & { dictionary: DataType }).dictionary, opts);
    default:
      return (v) => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? integer(x) : x))) as Json;
  }
}

/** bigint / number → a JSON number when exact, else a decimal string. */
function integer(v: unknown): Json {
  if (typeof v === "bigint") return v >= -MAX_SAFE && v <= MAX_SAFE ? Number(v) : v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  return String(v);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Reshapes a flat row-major array into nested arrays of `shape`. */
function nest(flat: Json[], shape: readonly number[]): Json {
  if (shape.length === 0) return flat[0] ?? null; // a rank-0 tensor is one value
  if (shape.length === 1) return flat;
  const step = flat.length / shape[0]!;
  const out: Json[] = [];
  for (let i = 0; i < shape[0]!; i++) out.push(nest(flat.slice(i * step, (i + 1) * step), shape.slice(1)));
  return out;
}
