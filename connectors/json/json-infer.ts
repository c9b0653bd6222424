/**
 * Infers an Arrow schema from sample JSON objects (the first lines of a JSONL input), the way
 * pyarrow's JSON reader does: integers → Int64, numbers with a fraction → Float64 (an Int64
 * field widens when a float shows up), strings → Utf8, booleans → Bool, arrays → List of the
 * merged element type, objects → Struct of the merged fields. Fields keep the order of first
 * appearance; all are nullable, and a key missing from a line is null.
 *
 * Values whose types conflict across lines (a string here, a number there), and fields that are
 * only ever null in the sample, become Utf8 columns holding each value's JSON text, tagged with
 * field metadata `sluice:json = text`; nothing is dropped, and the JSONL sink writes such a
 * column back as the original JSON values.
 */

import { Bool, Field, Float64, Int64, List, Schema, Struct, Utf8, type DataType } from "apache-arrow";

/** Field metadata key marking a Utf8 column that holds JSON text. */
export const JSON_TEXT_KEY = "sluice:json";
export const JSON_TEXT_VALUE = "text";

/** The inferred type of a JSON value, before it is fixed as an Arrow type. */
export type JsonKind =
  | { readonly kind: "null" }
  | { readonly kind: "bool" }
  | { readonly kind: "int" }
  | { readonly kind: "float" }
  | { readonly kind: "string" }
  | { readonly kind: "json" }
  | { readonly kind: "list"; readonly item: JsonKind }
  | { readonly kind: "struct"; readonly fields: ReadonlyMap<string, JsonKind> };

const NULL: JsonKind = { kind: "null" };
const JSON_TEXT: JsonKind = { kind: "json" };

/** The kind of one parsed JSON value. */
export function kindOf(value: unknown): JsonKind {
  if (value === null || value === undefined) return NULL;
  switch (typeof value) {
    case "boolean":
      return { kind: "bool" };
    case "number":
      return Number.isInteger(value) ? { kind: "int" } : { kind: "float" };
    case "string":
      return { kind: "string" };
    case "object":
      if (Array.isArray(value)) return { kind: "list", item: value.reduce<JsonKind>((k, v) => mergeKinds(k, kindOf(v)), NULL) };
      return { kind: "struct", fields: objectKinds(value as Record<string, unknown>, new Map()) };
    default:
      return JSON_TEXT;
  }
}

/** The narrowest kind both values fit; `json` when they conflict. */
export function mergeKinds(a: JsonKind, b: JsonKind): JsonKind {
  if (a.kind === "null") return b;
  if (b.kind === "null") return a;
  if ((a.kind === "int" && b.kind === "float") || (a.kind === "float" && b.kind === "int")) return { kind: "float" };
  if (a.kind !== b.kind) return JSON_TEXT;
  if (a.kind === "list" && b.kind === "list") return { kind: "list", item: mergeKinds(a.item, b.item) };
  if (a.kind === "struct" && b.kind === "struct") {
    const fields = new Map(a.fields);
    for (const [k, v] of b.fields) fields.set(k, mergeKinds(fields.get(k) ?? NULL, v));
    return { kind: "struct", fields };
  }
  return a;
}

/** Accumulates sample objects and produces the inferred schema. */
export class SchemaInferrer {
  private readonly fields = new Map<string, JsonKind>();
  private count = 0;

  add(row: Record<string, unknown>): void {
    objectKinds(row, this.fields);
    this.count++;
  }

  /** Number of objects seen. */
  get rows(): number {
    return this.count;
  }

  schema(): Schema {
    return new Schema([...this.fields].map(([name, kind]) => fieldOf(name, kind)));
  }
}

function objectKinds(obj: Record<string, unknown>, into: Map<string, JsonKind>): Map<string, JsonKind> {
  for (const [k, v] of Object.entries(obj)) into.set(k, mergeKinds(into.get(k) ?? NULL, kindOf(v)));
  return into;
}

function fieldOf(name: string, kind: JsonKind): Field {
  if (kind.kind === "null" || kind.kind === "json") {
    return new Field(name, new Utf8(), true, new Map([[JSON_TEXT_KEY, JSON_TEXT_VALUE]]));
  }
  return new Field(name, arrowTypeOf(kind), true);
}

function arrowTypeOf(kind: JsonKind): DataType {
  switch (kind.kind) {
    case "bool":
      return new Bool();
    case "int":
      return new Int64();
    case "float":
      return new Float64();
    case "string":
      return new Utf8();
    case "list":
      return new List(fieldOf("item", kind.item));
    case "struct":
      return new Struct([...kind.fields].map(([n, k]) => fieldOf(n, k)));
    case "null":
    case "json":
      return new Utf8();
  }
}

/** Whether a field holds JSON text (inferred from conflicting or all-null values). */
export function isJsonTextField(field: Field): boolean {
  return field.metadata.get(JSON_TEXT_KEY) === JSON_TEXT_VALUE;
}
