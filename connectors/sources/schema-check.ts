/**
 * Multi-file sources emit one schema: the first file's. Every other file must have the same
 * column names and types; its batches are then re-labelled with the source's schema, so field
 * metadata (extension types) is the same on every batch whatever each file carried.
 */

import { RecordBatch, Schema, Struct, type Data, type DataType } from "apache-arrow";
import { sameType } from "../../runtime/types/same-type.js";
import { connectorError } from "../errors.js";

/** Throws a ConnectorError naming `path` unless `actual` has the columns of `expected`. */
export function requireSameColumns(connector: string, path: string, expected: Schema, actual: Schema): void {
  const describe = (s: Schema): string => s.fields.map((f) => `${f.name}: ${String(f.type)}`).join(", ");
  const same =
    expected.fields.length === actual.fields.length &&
    expected.fields.every((f, i) => f.name === actual.fields[i]!.name && sameType(f.type, actual.fields[i]!.type));
  if (!same) throw connectorError(connector, path, `schema differs from the first file's: expected [${describe(expected)}], found [${describe(actual)}]`);
}

/** The batch with `schema`'s Fields (same column types, the source's metadata). */
export function relabel(batch: RecordBatch, schema: Schema): RecordBatch {
  return batch.schema === schema ? batch : new RecordBatch(schema, batch.data);
}

/** Cuts a batch into slices of at most `rows` rows (zero-copy). */
export function* sliceRows(batch: RecordBatch, from: number, rows: number): Generator<{ batch: RecordBatch; end: number }> {
  for (let at = from; at < batch.numRows; at += rows) {
    const end = Math.min(at + rows, batch.numRows);
    yield { batch: at === 0 && end === batch.numRows ? batch : batch.slice(at, end), end };
  }
}

/**
 * The batch with `schema`'s Fields *and* its DataType instances, all the way down. An IPC reader
 * builds its own type objects (`Int_` where a plan made an `Int64`, fresh dictionary ids), and
 * some checks compare type objects; a batch read back from a file must look exactly like the
 * one written. Buffers are shared, nothing is copied. The caller has checked the columns match.
 */
export function retype(batch: RecordBatch, schema: Schema): RecordBatch {
  return new RecordBatch(schema, retypeData(batch.data, new Struct(schema.fields)));
}

function retypeData<T extends DataType>(data: Data, type: T): Data<T> {
  const children = data.children.map((c, i) => {
    const f = type.children?.[i];
    return f ? retypeData(c, f.type) : c;
  });
  return data.clone(type, data.offset, data.length, data.nullCount, undefined, children) as Data<T>;
}
