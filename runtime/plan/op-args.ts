/**
 * Checks a step's arguments against its op's declared `ArgSpec`s before the op is planned, so
 * every op gets the same messages for the same mistakes, pointing at the argument's line in
 * the spec file: unknown arguments (with a suggestion), missing required ones, wrong types,
 * values outside `oneOf` or the bounds, arrays of the wrong length.
 */

import { editDistance } from "./op-catalog.js";
import type { ArgSpec, ArgType, OpDefinition, PlanContext } from "./op-definition.js";

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function isPlainObject(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function matches(type: ArgType, v: unknown): boolean {
  switch (type) {
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "string[]":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
    case "number[]":
      return Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x));
    case "object":
      return isPlainObject(v);
    case "function":
      return typeof v === "function";
    case "value":
      return v !== undefined;
  }
}

/** How an ArgSpec's type reads in a message: `number or number[]`. */
export function describeArgType(spec: ArgSpec): string {
  const types = typeof spec.type === "string" ? [spec.type] : spec.type;
  return types.join(" or ");
}

function checkOne(name: string, spec: ArgSpec, v: unknown, ctx: PlanContext): void {
  const types = typeof spec.type === "string" ? [spec.type] : spec.type;
  const shown = JSON.stringify(v) ?? String(v);
  if (!types.some((t) => matches(t, v))) {
    throw ctx.error(`argument '${name}' must be ${describeArgType(spec)}, got ${typeOf(v)} ${shown.length > 60 ? shown.slice(0, 57) + "…" : shown}`, { arg: name });
  }
  if (spec.oneOf && (typeof v === "string" || typeof v === "number") && !spec.oneOf.includes(v)) {
    throw ctx.error(`argument '${name}' must be one of ${spec.oneOf.map((x) => JSON.stringify(x)).join(", ")}, got ${shown}`, { arg: name });
  }
  const nums = typeof v === "number" ? [v] : Array.isArray(v) && v.every((x) => typeof x === "number") ? (v as number[]) : [];
  for (const n of nums) {
    if (spec.min !== undefined && n < spec.min) throw ctx.error(`argument '${name}' must be ≥ ${spec.min}, got ${n}`, { arg: name });
    if (spec.max !== undefined && n > spec.max) throw ctx.error(`argument '${name}' must be ≤ ${spec.max}, got ${n}`, { arg: name });
  }
  if (spec.length !== undefined && Array.isArray(v) && v.length !== spec.length) {
    throw ctx.error(`argument '${name}' must have ${spec.length} elements, got ${v.length}`, { arg: name });
  }
}

/** Throws a PlanError for the first problem in `args`; returns them unchanged when valid. */
export function checkArgs(def: OpDefinition, args: Readonly<Record<string, unknown>>, ctx: PlanContext): Readonly<Record<string, unknown>> {
  const known = Object.keys(def.args);
  for (const name of Object.keys(args)) {
    if (def.args[name]) continue;
    const near = known.filter((k) => editDistance(k.toLowerCase(), name.toLowerCase()) <= 2);
    const hint = near.length ? ` (did you mean '${near[0]}'?)` : known.length ? ` (arguments: ${known.join(", ")})` : " (it takes no arguments)";
    throw ctx.error(`unknown argument '${name}' for op '${def.name}'${hint}`, { arg: name });
  }
  for (const [name, spec] of Object.entries(def.args)) {
    const v = args[name];
    if (v === undefined || v === null) {
      if (spec.required) throw ctx.error(`missing required argument '${name}' (${spec.doc})`);
      continue;
    }
    checkOne(name, spec, v, ctx);
  }
  return args;
}
