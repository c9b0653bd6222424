/**
 * Moves an Arrow record batch to another thread without copying its buffers: the batch's Data
 * tree is flattened into plain objects whose typed arrays go in the postMessage transfer list,
 * and rebuilt with `makeData` on the other side against the schema (sent as a tiny IPC message).
 *
 * A buffer is transferred only when this batch's views cover all of it. A buffer shared with
 * other batches (a slice of a file read in one piece, WASM memory) cannot be detached without
 * breaking them, so just those views are copied. `stats` says how many bytes went which way.
 */

import { DataType, makeData, makeVector, RecordBatch, Struct, Table, tableFromIPC, tableToIPC, type Data } from "apache-arrow";
import { SluiceError } from "../../kernels/errors.js";

type View = ArrayBufferView;

interface DataNode {
  offset: number;
  length: number;
  nullCount: number;
  values?: View;
  valueOffsets?: View;
  nullBitmap?: View;
  typeIds?: View;
  children: DataNode[];
  dictionary?: DataNode[];
}

/** A batch in transit: structured-clone safe, its big buffers listed in `transfer`. */
export interface TransferableBatch {
  schemaIpc: Uint8Array;
  root: DataNode;
}

export interface TransferStats {
  transferredBytes: number;
  copiedBytes: number;
}

function nonEmpty(v: View | undefined): v is View {
  return v !== undefined && v !== null && v.byteLength > 0;
}

function flatten(d: Data, views: View[]): DataNode {
  const node: DataNode = {
    offset: d.offset,
    length: d.length,
    nullCount: d.nullCount,
    children: d.children.map((c) => flatten(c, views)),
  };
  const raw = d as unknown as { values?: View; valueOffsets?: View; nullBitmap?: View; typeIds?: View; variadicBuffers?: unknown[] };
  if (raw.variadicBuffers && raw.variadicBuffers.length > 0) {
    throw new SluiceError("batch transfer: view types with variadic buffers (Utf8View/BinaryView) are not supported");
  }
  for (const k of ["values", "valueOffsets", "nullBitmap", "typeIds"] as const) {
    const v = raw[k];
    if (nonEmpty(v)) {
      node[k] = v;
      views.push(v);
    }
  }
  if (d.dictionary) node.dictionary = d.dictionary.data.map((c) => flatten(c, views));
  return node;
}

/** Prepares a batch for postMessage: returns the message and the buffers to transfer. */
export function packBatch(batch: RecordBatch, stats?: TransferStats): { message: TransferableBatch; transfer: ArrayBuffer[] } {
  const views: View[] = [];
  const root = flatten(batch.data, views);
  const byBuffer = new Map<ArrayBufferLike, View[]>();
  for (const v of views) {
    const list = byBuffer.get(v.buffer) ?? [];
    list.push(v);
    byBuffer.set(v.buffer, list);
  }
  const transfer: ArrayBuffer[] = [];
  const replace = new Map<View, View>();
  for (const [buf, vs] of byBuffer) {
    // Distinct byte ranges of this batch's views; overlapping duplicates count once.
    const ranges = [...new Map(vs.map((v) => [`${v.byteOffset}:${v.byteLength}`, v])).values()];
    const covered = ranges.reduce((s, v) => s + v.byteLength, 0);
    if (buf instanceof ArrayBuffer && covered >= buf.byteLength) {
      transfer.push(buf);
      if (stats) stats.transferredBytes += buf.byteLength;
    } else {
      for (const v of vs) {
        const copy = new (v.constructor as new (b: ArrayBufferLike, o: number, l: number) => View)(
          new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice().buffer, 0,
          v.byteLength / ((v as unknown as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1),
        );
        replace.set(v, copy);
        transfer.push(copy.buffer as ArrayBuffer);
        if (stats) stats.copiedBytes += v.byteLength;
      }
    }
  }
  const swap = (n: DataNode): DataNode => ({
    ...n,
    values: n.values && (replace.get(n.values) ?? n.values),
    valueOffsets: n.valueOffsets && (replace.get(n.valueOffsets) ?? n.valueOffsets),
    nullBitmap: n.nullBitmap && (replace.get(n.nullBitmap) ?? n.nullBitmap),
    typeIds: n.typeIds && (replace.get(n.typeIds) ?? n.typeIds),
    children: n.children.map(swap),
    dictionary: n.dictionary?.map(swap),
  });
  const schemaIpc = tableToIPC(new Table(batch.schema), "stream");
  return { message: { schemaIpc, root: replace.size ? swap(root) : root }, transfer: [...new Set(transfer)] };
}

function rebuild(type: DataType, n: DataNode): Data {
  const t = type as DataType & { children?: { type: DataType }[]; dictionary?: DataType };
  const children = (t.children ?? []).map((f, i) => rebuild(f.type, n.children[i]!));
  const props: Record<string, unknown> = {
    type,
    offset: n.offset,
    length: n.length,
    nullCount: n.nullCount,
    nullBitmap: n.nullBitmap,
    valueOffsets: n.valueOffsets,
    typeIds: n.typeIds,
    data: n.values,
    children,
  };
  if (n.dictionary && t.dictionary) props.dictionary = makeVector(n.dictionary.map((d) => rebuild(t.dictionary!, d)));
  // makeData takes list-like children as `child`, struct/union children as `children`.
  if (DataType.isList(type) || DataType.isFixedSizeList(type) || DataType.isMap(type) || DataType.isLargeList?.(type)) props.child = children[0];
  return makeData(props as unknown as Parameters<typeof makeData>[0]);
}

/** Rebuilds a batch received from `packBatch` (on the receiving thread). */
export function unpackBatch(message: TransferableBatch): RecordBatch {
  const schema = tableFromIPC(message.schemaIpc).schema;
  const data = rebuild(new Struct(schema.fields), message.root);
  return new RecordBatch(schema, data as Data<Struct>);
}
