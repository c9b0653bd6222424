/**
 * Row addressing over a chunked Arrow Vector. A column read from a Table spans one Data chunk per
 * record batch; per-row views find the chunk and the row inside it, and whole-column views are
 * zero-copy only when there is exactly one chunk.
 */

import type { Data, DataType, Vector } from "apache-arrow";
import { allocElements, type ElementArray, type ElementType } from "./element-types.js";
import { TypeMismatchError } from "./type-errors.js";

/** A row inside one chunk. */
export interface ChunkRow<T extends DataType> {
  readonly data: Data<T>;
  readonly index: number;
}

/** Finds the chunk holding global row `row`; throws a RangeError naming the column when out of range. */
export function chunkRow<T extends DataType>(vector: Vector<T>, row: number, column: string): ChunkRow<T> {
  if (!Number.isInteger(row) || row < 0 || row >= vector.length) {
    throw new RangeError(`column '${column}': row ${row} is out of range for ${vector.length} rows`);
  }
  let start = 0;
  for (const data of vector.data) {
    if (row < start + data.length) return { data, index: row - start };
    start += data.length;
  }
  // Unreachable while vector.length is the sum of its chunk lengths.
  throw new RangeError(`column '${column}': row ${row} not found in ${vector.data.length} chunks`);
}

/** Whether a row is present (not null) in its chunk. */
export function isRowValid(data: Data, index: number): boolean {
  return data.nullCount === 0 || data.getValid(index);
}

/**
 * The chunks of a vector for a whole-column view. With `requireZeroCopy` a vector of more than
 * one chunk is an error instead of a copy.
 */
export function chunksForView<T extends DataType>(vector: Vector<T>, column: string, requireZeroCopy: boolean): readonly Data<T>[] {
  const chunks = vector.data.filter((d) => d.length > 0);
  if (requireZeroCopy && chunks.length > 1) {
    throw new TypeMismatchError(column, "layout for a zero-copy view", "one contiguous chunk", `${chunks.length} chunks`);
  }
  return chunks;
}

/**
 * The child values of one FixedSizeList chunk, exactly rows × size long, aliasing the Arrow
 * buffer. Arrow JS keeps a primitive child's `values` starting at the chunk's first row (slicing
 * subarrays it), so no offset arithmetic is needed here.
 */
export function fixedSizeListValues(chunk: Data, size: number, column: string): ElementArray {
  const values = chunk.children[0]?.values as ElementArray | undefined;
  const need = chunk.length * size;
  if (values === undefined || values.length < need) {
    throw new TypeMismatchError(column, "child values length", `at least ${need}`, String(values?.length ?? 0));
  }
  return (values.length === need ? values : values.subarray(0, need)) as ElementArray;
}

/**
 * All values of a FixedSizeList column as one array: the Arrow buffer itself when the column is
 * one chunk, else a copy of the chunks in order (or an error with `requireZeroCopy`).
 */
export function fixedSizeListColumnValues(
  vector: Vector<DataType>,
  dtype: ElementType,
  size: number,
  column: string,
  requireZeroCopy: boolean,
): ElementArray {
  const chunks = chunksForView(vector, column, requireZeroCopy);
  if (chunks.length === 1) return fixedSizeListValues(chunks[0]!, size, column);
  const out = allocElements(dtype, vector.length * size);
  let at = 0;
  for (const chunk of chunks) {
    const values = fixedSizeListValues(chunk, size, column);
    (out as unknown as { set(a: ElementArray, o: number): void }).set(values, at);
    at += values.length;
  }
  return out;
}
