/**
 * Plain-value columns for user functions: the type names a spec file writes (`utf8`, `f64`,
 * `json`…), the Arrow field of each, the check of a value a function returned, and the
 * conversions between Arrow cells and the plain JS values a function sees.
 */

import { Binary, Bool, DataType, Field, Float32, Float64, Int32, Int64, Utf8, vectorFromArray, type Data } from "apache-arrow";
import type { Json } from "../../api/stream.js";

export const VALUE_TYPES = ["utf8", "f64", "f32", "i32", "i64", "bool", "binary", "json"] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export function isValueType(v: unknown): v is ValueType {
  return typeof v === "string" && (VALUE_TYPES as readonly string[]).includes(v);
}

/** The column a value type is stored in; `json` is Utf8 tagged with Arrow's canonical `arrow.json`. */
export function valueField(name: string, type: ValueType): Field {
  if (type === "json") return new Field(name, new Utf8(), true, new Map([["ARROW:extension:name", "arrow.json"], ["ARROW:extension:metadata", ""]]));
  return new Field(name, arrowType(type), true);
}

function arrowType(type: Exclude<ValueType, "json">): DataType {
  switch (type) {
    case "utf8":
      return new Utf8();
    case "f64":
      return new Float64();
    case "f32":
      return new Float32();
    case "i32":
      return new Int32();
    case "i64":
      return new Int64();
    case "bool":
      return new Bool();
    case "binary":
      return new Binary();
  }
}

/** Why `v` cannot be stored as `type`, or undefined when it can (null/undefined are nulls). */
export function valueProblem(type: ValueType, v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const ok = ((): boolean => {
    switch (type) {
      case "utf8":
        return typeof v === "string";
      case "f64":
      case "f32":
        return typeof v === "number";
      case "i32":
        return typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31;
      case "i64":
        return (typeof v === "number" && Number.isSafeInteger(v)) || typeof v === "bigint";
      case "bool":
        return typeof v === "boolean";
      case "binary":
        return v instanceof Uint8Array;
      case "json":
        try {
          return JSON.stringify(v) !== undefined;
        } catch {
          return false;
        }
    }
  })();
  return ok ? undefined : `${describe(v)}, not a ${type} value`;
}

/** One column chunk of checked values. */
export function valuesData(type: ValueType, values: readonly unknown[]): Data {
  const cells = values.map((v) => (v === undefined ? null : v));
  let vector;
  switch (type) {
    case "json":
      vector = vectorFromArray(cells.map((v) => (v === null ? null : JSON.stringify(v))), new Utf8());
      break;
    case "i64":
      vector = vectorFromArray(cells.map((v) => (v === null ? null : BigInt(v as number | bigint))), new Int64());
      break;
    default:
      vector = vectorFromArray(cells as never[], arrowType(type));
  }
  if (vector.data.length !== 1) throw new Error(`building a ${type} column gave ${vector.data.length} chunks`);
  return vector.data[0]!;
}

/** An Arrow cell as a plain JS value: structs and lists become objects and arrays. */
export function plainValue(v: unknown): unknown {
  if (v === null || v === undefined || typeof v !== "object") return v ?? null;
  if (ArrayBuffer.isView(v)) return v;
  // Struct rows become objects and list cells arrays (Arrow's own toJSON for both).
  const o = v as { toJSON?: () => unknown };
  return typeof o.toJSON === "function" ? o.toJSON() : v;
}

/** A small JSON excerpt of a value for a dead letter (long strings cut, bytes summarized). */
export function jsonExcerpt(v: unknown): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return v.length > 200 ? `${v.slice(0, 200)}…` : v;
  if (typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return v.toString();
  if (ArrayBuffer.isView(v)) return `<${v.byteLength} bytes>`;
  return `<${describe(v)}>`;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (v instanceof Uint8Array) return `${v.byteLength} bytes`;
  if (typeof v === "object") return `an object (${(v as object).constructor?.name ?? "Object"})`;
  const s = JSON.stringify(v) ?? String(v);
  return `${typeof v} ${s.length > 40 ? `${s.slice(0, 37)}…` : s}`;
}
