/**
 * The parameters of Arrow's canonical tensor extension types and their JSON form, shared by the
 * fixed- and variable-shape tensors. JSON keys are the spec's snake_case (`dim_names`,
 * `uniform_shape`); the TS API uses camelCase.
 *
 * Semantics (Arrow canonical extensions): `shape` is the physical, row-major shape of each
 * tensor; `dim_names` name the physical dimensions; `permutation[i]` is the physical dimension
 * that logical dimension `i` corresponds to, so the logical shape is `shape[permutation[i]]`.
 */

import { ExtensionMetadataError, describeValue } from "./type-errors.js";

/** Parameters of `arrow.fixed_shape_tensor`. */
export interface FixedShapeTensorParams {
  /** Physical row-major shape of every tensor in the column. */
  readonly shape: readonly number[];
  readonly dimNames?: readonly string[];
  readonly permutation?: readonly number[];
}

/** Parameters of `arrow.variable_shape_tensor`. */
export interface VariableShapeTensorParams {
  readonly dimNames?: readonly string[];
  readonly permutation?: readonly number[];
  /** Sizes of the dimensions that are the same in every row; null where a dimension varies. */
  readonly uniformShape?: readonly (number | null)[];
}

/** The logical shape a permutation describes: `logical[i] = physical[permutation[i]]`. */
export function logicalShape(physical: readonly number[], permutation?: readonly number[]): number[] {
  if (permutation === undefined) return [...physical];
  return permutation.map((p) => physical[p]!);
}

/** Where a parameter came from, for error messages. */
export interface ParamContext {
  readonly column: string;
  readonly extension: string;
}

/** A shape: non-negative safe integers. */
export function checkShape(ctx: ParamContext, key: string, value: unknown): number[] {
  if (!Array.isArray(value)) {
    throw new ExtensionMetadataError(ctx.column, ctx.extension, `"${key}" as an array of non-negative integers`, describeValue(value));
  }
  value.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isSafeInteger(d) || d < 0) {
      throw new ExtensionMetadataError(ctx.column, ctx.extension, `"${key}"[${i}] a non-negative integer`, `${describeValue(d)} in ${describeValue(value)}`);
    }
  });
  return [...(value as number[])];
}

/** `dim_names`: one string per dimension. */
export function checkDimNames(ctx: ParamContext, value: unknown, ndim: number): string[] {
  if (!Array.isArray(value) || !value.every((n) => typeof n === "string")) {
    throw new ExtensionMetadataError(ctx.column, ctx.extension, `"dim_names" as an array of strings`, describeValue(value));
  }
  if (value.length !== ndim) {
    throw new ExtensionMetadataError(ctx.column, ctx.extension, `${ndim} "dim_names" (one per dimension)`, `${value.length}: ${describeValue(value)}`);
  }
  return [...(value as string[])];
}

/** `permutation`: each of 0..ndim-1 exactly once. */
export function checkPermutation(ctx: ParamContext, value: unknown, ndim: number): number[] {
  const expected = `"permutation" as a permutation of [0..${ndim - 1}]`;
  if (!Array.isArray(value) || value.length !== ndim) {
    throw new ExtensionMetadataError(ctx.column, ctx.extension, expected, describeValue(value));
  }
  const seen = new Array<boolean>(ndim).fill(false);
  for (const p of value) {
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p >= ndim || seen[p]) {
      throw new ExtensionMetadataError(ctx.column, ctx.extension, expected, describeValue(value));
    }
    seen[p] = true;
  }
  return [...(value as number[])];
}

/** `uniform_shape`: one entry per dimension, a non-negative integer or null. */
export function checkUniformShape(ctx: ParamContext, value: unknown, ndim: number): (number | null)[] {
  const ok =
    Array.isArray(value) &&
    value.every((d) => d === null || (typeof d === "number" && Number.isSafeInteger(d) && d >= 0));
  if (!ok) {
    throw new ExtensionMetadataError(ctx.column, ctx.extension, `"uniform_shape" as an array of non-negative integers or nulls`, describeValue(value));
  }
  if (value.length !== ndim) {
    throw new ExtensionMetadataError(ctx.column, ctx.extension, `${ndim} "uniform_shape" entries (one per dimension)`, `${value.length}: ${describeValue(value)}`);
  }
  return [...(value as (number | null)[])];
}

/** Serializes fixed-shape parameters byte-for-byte as Arrow C++ (pyarrow 25) does. */
export function fixedShapeTensorJson(p: FixedShapeTensorParams): string {
  const o: Record<string, unknown> = { shape: p.shape };
  if (p.permutation !== undefined) o["permutation"] = p.permutation;
  if (p.dimNames !== undefined) o["dim_names"] = p.dimNames;
  return JSON.stringify(o);
}

/** Serializes variable-shape parameters as Arrow C++ does; `{}` when there are none. */
export function variableShapeTensorJson(p: VariableShapeTensorParams): string {
  const o: Record<string, unknown> = {};
  if (p.permutation !== undefined) o["permutation"] = p.permutation;
  if (p.dimNames !== undefined) o["dim_names"] = p.dimNames;
  if (p.uniformShape !== undefined) o["uniform_shape"] = p.uniformShape;
  return JSON.stringify(o);
}

/** Parses and validates fixed-shape parameters from a metadata object. */
export function parseFixedShapeParams(ctx: ParamContext, o: Record<string, unknown>): FixedShapeTensorParams {
  if (!("shape" in o)) {
    throw new ExtensionMetadataError(ctx.column, ctx.extension, `a "shape" key`, describeValue(o));
  }
  const shape = checkShape(ctx, "shape", o["shape"]);
  return {
    shape,
    ...(o["dim_names"] !== undefined && { dimNames: checkDimNames(ctx, o["dim_names"], shape.length) }),
    ...(o["permutation"] !== undefined && { permutation: checkPermutation(ctx, o["permutation"], shape.length) }),
  };
}

/** Parses and validates variable-shape parameters; `ndim` comes from the storage type. */
export function parseVariableShapeParams(ctx: ParamContext, o: Record<string, unknown>, ndim: number): VariableShapeTensorParams {
  return {
    ...(o["dim_names"] !== undefined && { dimNames: checkDimNames(ctx, o["dim_names"], ndim) }),
    ...(o["permutation"] !== undefined && { permutation: checkPermutation(ctx, o["permutation"], ndim) }),
    ...(o["uniform_shape"] !== undefined && { uniformShape: checkUniformShape(ctx, o["uniform_shape"], ndim) }),
  };
}
