/**
 * `arrow.variable_shape_tensor`: one tensor per row, each with its own shape of a fixed rank,
 * stored as Struct<data: List<T>, shape: FixedSizeList<int32>[ndim]>. Rows are contiguous in the
 * list's child buffer, so every row view is a subarray of it.
 */

import { DataType, Field, FixedSizeList, Int32, List, Struct, makeVector, type Data } from "apache-arrow";
import { sizeOf } from "../../kernels/tensor.js";
import { chunkRow, isRowValid } from "./column-chunks.js";
import {
  allocElements,
  arrowTypeFor,
  elementTypeOfArray,
  elementTypeOfArrow,
  type ArrowTensor,
  type ElementArray,
  type ElementArrayFor,
  type ElementArrowType,
  type ElementType,
} from "./element-types.js";
import {
  VARIABLE_SHAPE_TENSOR,
  cachedFieldInfo,
  extensionField,
  extensionNameOf,
  readMetadataObject,
  requireExtension,
  requireVectorMatchesField,
  type ExtensionColumn,
} from "./extension-field.js";
import { fixedSizeListData, int32Data, listData, numericData, structData, validityOfRows } from "./storage-data.js";
import {
  checkShape,
  parseVariableShapeParams,
  variableShapeTensorJson,
  type VariableShapeTensorParams,
} from "./tensor-metadata.js";
import { TypeMismatchError } from "./type-errors.js";

/** Storage of a variable-shape tensor column. */
export type VariableShapeTensorStorage = Struct<{ data: List<ElementArrowType>; shape: FixedSizeList<Int32> }>;
export type VariableShapeTensorColumn = ExtensionColumn<VariableShapeTensorStorage>;

/** What a variable-shape tensor field declares, validated against its storage. */
export interface VariableShapeTensorInfo extends VariableShapeTensorParams {
  readonly dtype: ElementType;
  /** Rank of every tensor in the column (the size of the `shape` list). */
  readonly ndim: number;
}

/** A row to build from: a tensor, or a shape with its row-major values. */
export interface VariableShapeRow {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number> | ArrayLike<bigint>;
  readonly dtype?: ElementType;
}

export interface VariableShapeTensorOptions extends VariableShapeTensorParams {
  /** Rank of the tensors; required when there is no non-null row to take it from. */
  readonly ndim?: number;
  readonly nullable?: boolean;
}

/** The storage type for rank-`ndim` tensors of `dtype`. */
export function variableShapeTensorStorage(dtype: ElementType, ndim: number): VariableShapeTensorStorage {
  return new Struct<{ data: List<ElementArrowType>; shape: FixedSizeList<Int32> }>([
    new Field("data", new List(new Field("item", arrowTypeFor(dtype), false)), true),
    new Field("shape", new FixedSizeList(ndim, new Field("item", new Int32(), false)), true),
  ]);
}

/** A variable-shape tensor Field (no values), with its parameters validated. */
export function variableShapeTensorField(name: string, dtype: ElementType, ndim: number, params: VariableShapeTensorParams = {}, nullable = true): Field<VariableShapeTensorStorage> {
  if (!Number.isSafeInteger(ndim) || ndim < 0) throw new TypeMismatchError(name, "ndim", "a non-negative integer", String(ndim));
  const json = variableShapeTensorJson(params);
  // Validate through the same parser readers use, so a field we write is one we can read.
  parseVariableShapeParams({ column: name, extension: VARIABLE_SHAPE_TENSOR }, JSON.parse(json) as Record<string, unknown>, ndim);
  return extensionField(name, variableShapeTensorStorage(dtype, ndim), VARIABLE_SHAPE_TENSOR, json, nullable);
}

/** Builds a column from per-row tensors (null/undefined rows are nulls). Copies into one buffer. */
export function variableShapeTensorColumn<E extends ElementType>(
  name: string,
  dtype: E,
  rows: ReadonlyArray<VariableShapeRow | ArrowTensor<E> | null | undefined>,
  options: VariableShapeTensorOptions = {},
): VariableShapeTensorColumn {
  const first = rows.find((r) => r !== null && r !== undefined);
  const ndim = options.ndim ?? first?.shape.length;
  if (ndim === undefined) throw new TypeMismatchError(name, "ndim", "options.ndim when no row is non-null", "no rank");
  const { ndim: _n, nullable, ...params } = options;
  const field = variableShapeTensorField(name, dtype, ndim, params, nullable ?? true);
  const ctx = { column: name, extension: VARIABLE_SHAPE_TENSOR };

  const offsets = new Int32Array(rows.length + 1);
  const shapes = new Int32Array(rows.length * ndim);
  rows.forEach((row, i) => {
    let n = 0;
    if (row !== null && row !== undefined) {
      const shape = checkShape(ctx, `row ${i} shape`, row.shape);
      checkRowShape(name, i, shape, ndim, params.uniformShape);
      shapes.set(shape, i * ndim);
      n = sizeOf(shape);
      if (row.data.length !== n) {
        throw new TypeMismatchError(name, `row ${i} data length`, `${n} (prod of shape [${shape.join(",")}])`, String(row.data.length));
      }
      const rowType = row.dtype ?? (ArrayBuffer.isView(row.data) ? elementTypeOfArray(row.data) : undefined);
      if (rowType !== undefined && rowType !== dtype) throw new TypeMismatchError(name, `row ${i} element type`, dtype, rowType);
    }
    offsets[i + 1] = offsets[i]! + n;
  });

  const values = allocElements(dtype, offsets[rows.length]!) as ElementArray;
  rows.forEach((row, i) => {
    if (row === null || row === undefined) return;
    const src = dtype === "i64" ? Array.from(row.data as ArrayLike<number | bigint>, (v) => BigInt(v)) : row.data;
    (values as unknown as { set(a: ArrayLike<number | bigint>, o: number): void }).set(src, offsets[i]!);
  });

  const type = field.type;
  const validity = validityOfRows(rows);
  const dataChild = listData(type.children[0]!.type as List, offsets, numericData(dtype, values as ElementArrayFor<E>));
  const shapeChild = fixedSizeListData(type.children[1]!.type as FixedSizeList, rows.length, int32Data(shapes));
  return { field, vector: makeVector(structData(type, rows.length, [dataChild, shapeChild], validity)) };
}

/** Whether a field is tagged `arrow.variable_shape_tensor` (metadata not validated). */
export function isVariableShapeTensorField(field: Field<DataType>): boolean {
  return extensionNameOf(field) === VARIABLE_SHAPE_TENSOR;
}

/** Reads and validates a variable-shape tensor field: storage layout and metadata agree. */
export function variableShapeTensorInfo(field: Field<DataType>): VariableShapeTensorInfo {
  return cachedFieldInfo(field, readVariableShapeTensorInfo);
}

function readVariableShapeTensorInfo(field: Field<DataType>): VariableShapeTensorInfo {
  requireExtension(field, VARIABLE_SHAPE_TENSOR);
  const type: DataType = field.type;
  const expected = "Struct<data: List<numeric>, shape: FixedSizeList<Int32>[ndim]>";
  if (!DataType.isStruct(type) || type.children.length !== 2) throw new TypeMismatchError(field.name, "storage type", expected, String(type));
  const [data, shape] = type.children as [Field, Field];
  if (data.name !== "data" || shape.name !== "shape") {
    throw new TypeMismatchError(field.name, "storage child names", "[data, shape]", `[${data.name}, ${shape.name}]`);
  }
  const dataType: DataType = data.type;
  const dtype = DataType.isList(dataType) ? elementTypeOfArrow(dataType.valueType) : undefined;
  if (dtype === undefined) throw new TypeMismatchError(field.name, "'data' child type", "List<numeric>", String(dataType));
  const shapeType: DataType = shape.type;
  if (!DataType.isFixedSizeList(shapeType) || !(DataType.isInt(shapeType.valueType) && shapeType.valueType.bitWidth === 32 && shapeType.valueType.isSigned)) {
    throw new TypeMismatchError(field.name, "'shape' child type", "FixedSizeList<Int32>[ndim]", String(shapeType));
  }
  const ndim = shapeType.listSize;
  const params = parseVariableShapeParams(
    { column: field.name, extension: VARIABLE_SHAPE_TENSOR },
    readMetadataObject(field, VARIABLE_SHAPE_TENSOR, true),
    ndim,
  );
  return { dtype, ndim, ...params };
}

/**
 * Row `row` as a tensor whose `data` is a subarray of the column's values buffer (no copy), or
 * null for a null row. The stored shape is checked against the data length and uniform_shape.
 */
export function variableShapeTensorRow(column: ExtensionColumn, row: number): ArrowTensor | null {
  const info = variableShapeTensorInfo(column.field);
  requireVectorMatchesField(column);
  const { data, index } = chunkRow(column.vector, row, column.field.name);
  return rowOf(column.field.name, info, data, index, row);
}

/** All rows as views (nulls as null), walking chunks once. */
export function variableShapeTensorRows(column: ExtensionColumn): (ArrowTensor | null)[] {
  const info = variableShapeTensorInfo(column.field);
  requireVectorMatchesField(column);
  const out: (ArrowTensor | null)[] = [];
  for (const data of column.vector.data) {
    for (let i = 0; i < data.length; i++) out.push(rowOf(column.field.name, info, data, i, out.length));
  }
  return out;
}

function rowOf(name: string, info: VariableShapeTensorInfo, data: Data, index: number, row: number): ArrowTensor | null {
  const [list, shapes] = data.children as [Data, Data];
  if (!isRowValid(data, index) || !isRowValid(list, index)) return null;
  const offsets = list.valueOffsets as Int32Array;
  const start = offsets[index]!, end = offsets[index + 1]!;
  const shapeValues = shapes.children[0]!.values as Int32Array;
  const shape = Array.from(shapeValues.subarray(index * info.ndim, (index + 1) * info.ndim));
  checkShape({ column: name, extension: VARIABLE_SHAPE_TENSOR }, `row ${row} shape`, shape);
  checkRowShape(name, row, shape, info.ndim, info.uniformShape);
  if (sizeOf(shape) !== end - start) {
    throw new TypeMismatchError(name, `row ${row} data length`, `${sizeOf(shape)} (prod of shape [${shape.join(",")}])`, String(end - start));
  }
  const values = list.children[0]!.values as ElementArray;
  return { dtype: info.dtype, shape, data: values.subarray(start, end) as ElementArray };
}

function checkRowShape(name: string, row: number, shape: readonly number[], ndim: number, uniform: readonly (number | null)[] | undefined): void {
  if (shape.length !== ndim) throw new TypeMismatchError(name, `row ${row} rank`, String(ndim), `${shape.length} (shape [${shape.join(",")}])`);
  if (uniform === undefined) return;
  shape.forEach((d, k) => {
    const u = uniform[k];
    if (u !== null && u !== undefined && u !== d) {
      throw new TypeMismatchError(name, `row ${row} shape`, `dimension ${k} = ${u} per uniform_shape [${uniform.map((x) => x ?? "null").join(",")}]`, `[${shape.join(",")}]`);
    }
  });
}
