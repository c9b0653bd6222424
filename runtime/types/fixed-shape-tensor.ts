/**
 * `arrow.fixed_shape_tensor`: every row is a tensor of one shape, stored as
 * FixedSizeList<T>[prod(shape)]. The whole column is therefore one row-major buffer of shape
 * [rows, ...shape], and that is how the view hands it to kernels: one typed array, no copy.
 */

import { Field, FixedSizeList, DataType, makeVector } from "apache-arrow";
import { sizeOf, type Tensor } from "../../kernels/tensor.js";
import { chunkRow, fixedSizeListColumnValues, fixedSizeListValues, isRowValid } from "./column-chunks.js";
import {
  allocElements,
  arrowTypeFor,
  asElementArray,
  elementTypeOfArrow,
  elementTypeOfArray,
  toKernelTensor,
  type ArrowTensor,
  type ElementArray,
  type ElementArrayFor,
  type ElementArrowType,
  type ElementType,
} from "./element-types.js";
import {
  FIXED_SHAPE_TENSOR,
  cachedFieldInfo,
  extensionField,
  readMetadataObject,
  requireExtension,
  requireVectorMatchesField,
  extensionNameOf,
  type ExtensionColumn,
} from "./extension-field.js";
import { ALL_VALID, fixedSizeListData, numericData, validityFromFlags, validityOfRows, type Validity } from "./storage-data.js";
import {
  checkDimNames,
  checkPermutation,
  checkShape,
  fixedShapeTensorJson,
  parseFixedShapeParams,
  type FixedShapeTensorParams,
} from "./tensor-metadata.js";
import { TypeMismatchError, describeValue } from "./type-errors.js";

export type FixedShapeTensorStorage = FixedSizeList<ElementArrowType>;
export type FixedShapeTensorColumn = ExtensionColumn<FixedShapeTensorStorage>;

/** What a fixed-shape tensor field declares, validated against its storage. */
export interface FixedShapeTensorInfo extends FixedShapeTensorParams {
  readonly dtype: ElementType;
}

export interface FixedShapeTensorOptions {
  readonly dimNames?: readonly string[];
  readonly permutation?: readonly number[];
  /** Per-row presence; absent rows are null (their slots stay in the buffer). */
  readonly valid?: ArrayLike<boolean>;
  /** Field nullability; default true so batches with and without nulls share one schema. */
  readonly nullable?: boolean;
}

/** The storage type for tensors of `dtype` and `shape`. */
export function fixedShapeTensorStorage(dtype: ElementType, shape: readonly number[]): FixedShapeTensorStorage {
  return new FixedSizeList(sizeOf(shape), new Field("item", arrowTypeFor(dtype), false));
}

/** A fixed-shape tensor Field (no values): for declaring schemas ahead of data. */
export function fixedShapeTensorField(name: string, dtype: ElementType, params: FixedShapeTensorParams, nullable = true): Field<FixedShapeTensorStorage> {
  const ctx = { column: name, extension: FIXED_SHAPE_TENSOR };
  const shape = checkShape(ctx, "shape", params.shape);
  const p: FixedShapeTensorParams = {
    shape,
    ...(params.dimNames !== undefined && { dimNames: checkDimNames(ctx, params.dimNames, shape.length) }),
    ...(params.permutation !== undefined && { permutation: checkPermutation(ctx, params.permutation, shape.length) }),
  };
  return extensionField(name, fixedShapeTensorStorage(dtype, shape), FIXED_SHAPE_TENSOR, fixedShapeTensorJson(p), nullable);
}

/**
 * Wraps a tensor of shape [rows, ...shape] as a column without copying: the column's values
 * buffer is `t.data` itself.
 */
export function fixedShapeTensorColumn<E extends ElementType>(name: string, t: ArrowTensor<E>, options: FixedShapeTensorOptions = {}): FixedShapeTensorColumn {
  if (t.shape.length < 1) {
    throw new TypeMismatchError(name, "tensor rank", "at least 1 (a leading rows dimension)", `shape [${t.shape.join(",")}]`);
  }
  const rowShape = t.shape.slice(1);
  const field = fixedShapeTensorField(name, t.dtype, { shape: rowShape, ...pickParams(options) }, options.nullable ?? true);
  checkShape({ column: name, extension: FIXED_SHAPE_TENSOR }, "tensor shape", t.shape);
  const data = asElementArray(t.dtype, t.data, name);
  const n = sizeOf(t.shape);
  if (data.length !== n) {
    throw new TypeMismatchError(name, "tensor data length", `${n} for shape [${t.shape.join(",")}]`, String(data.length));
  }
  const rows = t.shape[0]!;
  const validity = validityFor(name, options.valid, rows);
  const chunk = fixedSizeListData(field.type, rows, numericData(t.dtype, data), validity);
  return { field, vector: makeVector(chunk) };
}

/**
 * Builds a column from per-row tensors (typed arrays, number arrays or tensors of `shape`);
 * null/undefined rows are nulls. Copies the rows into one contiguous buffer.
 */
export function fixedShapeTensorColumnFromRows<E extends ElementType>(
  name: string,
  dtype: E,
  shape: readonly number[],
  rows: ReadonlyArray<ArrayLike<number> | ArrayLike<bigint> | ArrowTensor<E> | null | undefined>,
  options: Omit<FixedShapeTensorOptions, "valid"> = {},
): FixedShapeTensorColumn {
  const field = fixedShapeTensorField(name, dtype, { shape, ...pickParams(options) }, options.nullable ?? true);
  const size = sizeOf(shape);
  const out = allocElements(dtype, rows.length * size) as ElementArray;
  rows.forEach((row, i) => {
    if (row === null || row === undefined) return;
    const values = isTensorLike(row) ? rowTensorValues(name, row, dtype, shape, i) : row;
    if (values.length !== size) {
      throw new TypeMismatchError(name, `row ${i} length`, `${size} (prod of shape [${shape.join(",")}])`, String(values.length));
    }
    (out as unknown as { set(a: ArrayLike<number | bigint>, o: number): void }).set(
      dtype === "i64" ? Array.from(values as ArrayLike<number | bigint>, (v) => BigInt(v)) : (values as ArrayLike<number>),
      i * size,
    );
  });
  const chunk = fixedSizeListData(field.type, rows.length, numericData(dtype, out as ElementArrayFor<E>), validityOfRows(rows));
  return { field, vector: makeVector(chunk) };
}

/** Whether a field is tagged `arrow.fixed_shape_tensor` (metadata not validated). */
export function isFixedShapeTensorField(field: Field<DataType>): boolean {
  return extensionNameOf(field) === FIXED_SHAPE_TENSOR;
}

/** Reads and validates a fixed-shape tensor field: metadata JSON and storage type agree. */
export function fixedShapeTensorInfo(field: Field<DataType>): FixedShapeTensorInfo {
  return cachedFieldInfo(field, readFixedShapeTensorInfo);
}

function readFixedShapeTensorInfo(field: Field<DataType>): FixedShapeTensorInfo {
  requireExtension(field, FIXED_SHAPE_TENSOR);
  const params = parseFixedShapeParams({ column: field.name, extension: FIXED_SHAPE_TENSOR }, readMetadataObject(field, FIXED_SHAPE_TENSOR, false));
  const size = sizeOf(params.shape);
  const type: DataType = field.type;
  const expected = `FixedSizeList[${size}]<numeric> for shape [${params.shape.join(",")}]`;
  if (!DataType.isFixedSizeList(type)) throw new TypeMismatchError(field.name, "storage type", expected, String(type));
  if (type.listSize !== size) {
    throw new TypeMismatchError(field.name, "list size", `${size} (prod of shape ${describeValue(params.shape)})`, String(type.listSize));
  }
  const dtype = elementTypeOfArrow(type.valueType);
  if (dtype === undefined) throw new TypeMismatchError(field.name, "element type", "a numeric type (u8, i8, u16, i16, u32, i32, i64, f32, f64)", String(type.valueType));
  return { dtype, ...params };
}

export interface ViewOptions {
  /** Throw instead of copying when the column has more than one chunk. */
  readonly requireZeroCopy?: boolean;
}

/**
 * The whole column as one tensor of shape [rows, ...shape] (the physical layout; see
 * `logicalShape` for a permutation). Zero-copy when the column is one chunk: `data` aliases the
 * Arrow child values buffer. Null rows keep whatever their slots hold (zeros from our builders).
 */
export function fixedShapeTensorView(column: ExtensionColumn, options: ViewOptions = {}): ArrowTensor {
  const { field, vector } = column;
  const info = fixedShapeTensorInfo(field);
  requireVectorMatchesField(column);
  const size = sizeOf(info.shape);
  const data = fixedSizeListColumnValues(vector, info.dtype, size, field.name, options.requireZeroCopy ?? false);
  return { dtype: info.dtype, shape: [vector.length, ...info.shape], data };
}

/**
 * `fixedShapeTensorView` narrowed to a kernel `Tensor` (u8 / i32 / f32): what a kernel or the
 * batcher takes. Throws naming the column for other element types.
 */
export function fixedShapeTensorAsTensor(column: ExtensionColumn, options: ViewOptions = {}): Tensor {
  return toKernelTensor(fixedShapeTensorView(column, options), column.field.name);
}

/** One row as a tensor of the column's shape (a view into the buffer), or null for a null row. */
export function fixedShapeTensorRow(column: ExtensionColumn, row: number): ArrowTensor | null {
  const info = fixedShapeTensorInfo(column.field);
  requireVectorMatchesField(column);
  const { data, index } = chunkRow(column.vector, row, column.field.name);
  if (!isRowValid(data, index)) return null;
  const size = sizeOf(info.shape);
  const values = fixedSizeListValues(data, size, column.field.name).subarray(index * size, (index + 1) * size);
  return { dtype: info.dtype, shape: [...info.shape], data: values as ElementArray };
}

function pickParams(o: FixedShapeTensorOptions): Omit<FixedShapeTensorParams, "shape"> {
  return {
    ...(o.dimNames !== undefined && { dimNames: o.dimNames }),
    ...(o.permutation !== undefined && { permutation: o.permutation }),
  };
}

function validityFor(name: string, valid: ArrayLike<boolean> | undefined, rows: number): Validity {
  if (valid === undefined) return ALL_VALID;
  if (valid.length !== rows) throw new TypeMismatchError(name, "validity length", String(rows), String(valid.length));
  return validityFromFlags(valid);
}

function isTensorLike(row: unknown): row is ArrowTensor {
  return typeof row === "object" && row !== null && "shape" in row && "data" in row && "dtype" in row;
}

function rowTensorValues(name: string, t: ArrowTensor, dtype: ElementType, shape: readonly number[], i: number): ArrayLike<number | bigint> {
  if (t.dtype !== dtype) throw new TypeMismatchError(name, `row ${i} element type`, dtype, t.dtype);
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    throw new TypeMismatchError(name, `row ${i} shape`, `[${shape.join(",")}]`, `[${t.shape.join(",")}]`);
  }
  const actual = elementTypeOfArray(t.data);
  if (actual !== dtype) throw new TypeMismatchError(name, `row ${i} data`, `${dtype} array`, actual ?? "unknown array");
  return t.data as ArrayLike<number | bigint>;
}
