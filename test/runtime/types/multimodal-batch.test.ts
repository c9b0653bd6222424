import { describe, expect, it } from "vitest";
import { Field, Int32, RecordBatch, Struct, Table, makeData, makeVector } from "apache-arrow";
import {
  EXTENSION_METADATA_KEY,
  EXTENSION_NAME_KEY,
  TypeMismatchError,
  columnOf,
  columnsOf,
  decodedImageAt,
  decodedImageColumnFromTensor,
  embeddingColumn,
  embeddingInfo,
  embeddingView,
  encodedImageColumn,
  fixedShapeTensorColumn,
  fixedShapeTensorView,
  multimodalColumns,
  multimodalTypeOf,
  objectRefColumn,
  objectRefs,
  recordBatchFromColumns,
  tableFromColumns,
  variableShapeTensorColumn,
  variableShapeTensorRows,
  withColumn,
  type ExtensionColumn,
} from "../../../runtime/types/index.js";
import { tensor } from "../../../kernels/tensor.js";
import { IPC_FORMATS, ipcRoundTrip } from "./ipc-round-trip.js";

const ROWS = 3;

function idColumn(ids: number[]): ExtensionColumn {
  return { field: new Field("id", new Int32(), false), vector: makeVector(Int32Array.from(ids)) };
}

/** Every multimodal type in one batch, plus a plain column, with a null in most. */
function allColumns(seed = 0): ExtensionColumn[] {
  const f = (n: number) => Float32Array.from({ length: n }, (_, i) => (i + seed) / 8);
  return [
    idColumn([seed, seed + 1, seed + 2]),
    fixedShapeTensorColumn("t", tensor("f32", [ROWS, 2, 2], f(12)), { dimNames: ["H", "W"] }),
    variableShapeTensorColumn("v", "i32", [tensor("i32", [1, 2], [seed, 2]), null, tensor("i32", [2, 1], [3, 4])]),
    decodedImageColumnFromTensor("img", tensor("u8", [ROWS, 1, 2, 3], Uint8Array.from({ length: 18 }, (_, i) => i + seed)), "RGB"),
    encodedImageColumn("file", [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, seed), null, null], { format: "png" }),
    embeddingColumn("emb", tensor("f32", [ROWS, 2], [1, 0, 0, 1, 0.6, 0.8]), { model: "m", metric: "cosine", normalized: true }),
    objectRefColumn("ref", [{ uri: `memory://r/${seed}` }, { uri: "file:///x", offset: 3, length: 4 }, null]),
  ];
}

describe("multimodal batches", () => {
  it("assemble into a RecordBatch whose schema keeps every Field's extension metadata", () => {
    const cols = allColumns();
    const batch = recordBatchFromColumns(cols, new Map([["pipeline", "demo"]]));
    expect(batch.numRows).toBe(ROWS);
    expect(batch.schema.fields.map((f) => f.metadata.get(EXTENSION_NAME_KEY))).toEqual([
      undefined,
      "arrow.fixed_shape_tensor",
      "arrow.variable_shape_tensor",
      "sluice.image",
      "sluice.image",
      "sluice.embedding",
      "sluice.object_ref",
    ]);
    expect(batch.schema.metadata.get("pipeline")).toBe("demo");
    expect([...multimodalColumns(batch.schema).keys()]).toEqual(["t", "v", "img", "file", "emb", "ref"]);
    expect(multimodalTypeOf(batch.schema.fields[0]!)).toBeUndefined();
    expect(multimodalTypeOf(columnOf(batch, "emb").field)).toEqual({
      extension: "sluice.embedding",
      info: { dim: 2, model: "m", metric: "cosine", normalized: true },
    });
    // Views through the batch alias the builders' buffers.
    const t = cols[1]!;
    expect(fixedShapeTensorView(columnOf(batch, "t")).data.buffer).toBe(fixedShapeTensorView(t).data.buffer);
  });

  it("refuses columns of unequal length, duplicate names, and unknown names", () => {
    const [id, t] = allColumns();
    expect(() => recordBatchFromColumns([id!, idColumn([1, 2])].map((c, i) => (i ? { ...c, field: new Field("id2", new Int32()) } : c)))).toThrow(
      /column 'id2': row count: expected 3 \(as the columns before it\), got 2/,
    );
    expect(() => recordBatchFromColumns([t!, t!])).toThrow(/column 't': column names: expected unique names, got a duplicate/);
    expect(() => columnOf(recordBatchFromColumns([id!]), "nope")).toThrow(TypeMismatchError);
    expect(() => columnOf(recordBatchFromColumns([id!]), "nope")).toThrow(/column 'nope': column lookup: expected a column named 'nope', got columns \[id\]/);
    const mismatched = { field: t!.field, vector: makeVector(Int32Array.of(1, 2, 3)) } as ExtensionColumn;
    expect(() => recordBatchFromColumns([mismatched])).toThrow(/column 't': vector type: expected FixedSizeList\[4\]<Float32>, got Int32/);
  });

  it("builds tables from differently chunked columns by zero-copy slicing at every boundary", () => {
    const t = fixedShapeTensorColumn("t", tensor("f32", [5, 1], [0, 1, 2, 3, 4]));
    const ids = idColumn([10, 11, 12, 13, 14]);
    const a = { field: t.field, vector: t.vector.slice(0, 2).concat(t.vector.slice(2)) };
    const b = { field: ids.field, vector: ids.vector.slice(0, 1).concat(ids.vector.slice(1)) };
    const table = tableFromColumns([a, b]);
    expect(table.batches.map((x) => x.numRows)).toEqual([1, 1, 3]);
    expect(table.batches.every((x) => x.schema.fields[0]!.metadata.get(EXTENSION_NAME_KEY) === "arrow.fixed_shape_tensor")).toBe(true);
    const view = fixedShapeTensorView(columnOf(table, "t"));
    expect([...view.data]).toEqual([0, 1, 2, 3, 4]);
    expect([...columnOf(table, "id").vector]).toEqual([10, 11, 12, 13, 14]);
    // The last batch's tensor values still live in the builder's buffer.
    const last = fixedShapeTensorView(columnOf(table.batches[2]!, "t"));
    expect(last.data.buffer).toBe(fixedShapeTensorView(t).data.buffer);
    expect(last.data.byteOffset).toBe(2 * 4);
  });

  it("adds or replaces a column on a batch and on a table, keeping the other Fields", () => {
    const cols = allColumns();
    const batch = recordBatchFromColumns(cols.slice(0, 2));
    const emb = cols[5]!;
    const added = withColumn(batch, emb);
    expect(added).toBeInstanceOf(RecordBatch);
    expect(added.schema.fields.map((f) => f.name)).toEqual(["id", "t", "emb"]);
    expect(added.schema.fields[1]!.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"shape":[2,2],"dim_names":["H","W"]}');
    const replaced = withColumn(added, fixedShapeTensorColumn("t", tensor("f32", [ROWS, 1], [7, 8, 9])));
    expect(replaced.schema.fields.map((f) => f.name)).toEqual(["id", "t", "emb"]);
    expect([...fixedShapeTensorView(columnOf(replaced, "t")).data]).toEqual([7, 8, 9]);
    expect(batch.schema.fields.length).toBe(2);

    const table = new Table([recordBatchFromColumns([idColumn([1, 2])]), recordBatchFromColumns([idColumn([3])])]);
    const withEmb = withColumn(table, embeddingColumn("e", tensor("f32", [3, 1], [1, 1, 1]), { metric: "dot", normalized: true }));
    expect(withEmb).toBeInstanceOf(Table);
    expect(withEmb.batches.map((x) => x.numRows)).toEqual([2, 1]);
    expect(embeddingInfo(columnOf(withEmb, "e").field).metric).toBe("dot");
    expect(columnsOf(withEmb).map((c) => c.field.name)).toEqual(["id", "e"]);
  });

  describe.each(IPC_FORMATS)("IPC %s", (format) => {
    it("round-trips a batch with every multimodal type: metadata, storage and values", () => {
      const batch = recordBatchFromColumns(allColumns(), new Map([["pipeline", "demo"]]));
      const { table } = ipcRoundTrip(batch, format);
      expect(table.schema.metadata.get("pipeline")).toBe("demo");
      for (const f of batch.schema.fields) {
        const back = table.schema.fields.find((g) => g.name === f.name)!;
        expect(Object.fromEntries(back.metadata), f.name).toEqual(Object.fromEntries(f.metadata));
        expect(String(back.type), f.name).toBe(String(f.type));
        expect(multimodalTypeOf(back), f.name).toEqual(multimodalTypeOf(f));
      }
      expect([...fixedShapeTensorView(columnOf(table, "t")).data]).toEqual([...fixedShapeTensorView(columnOf(batch, "t")).data]);
      expect(variableShapeTensorRows(columnOf(table, "v")).map((r) => r && [...r.data])).toEqual([[0, 2], null, [3, 4]]);
      expect([...decodedImageAt(columnOf(table, "img"), 2)!.data]).toEqual([12, 13, 14, 15, 16, 17]);
      expect([...embeddingView(columnOf(table, "emb")).data]).toEqual([...embeddingView(columnOf(batch, "emb")).data]);
      expect(objectRefs(columnOf(table, "ref"))).toEqual([{ uri: "memory://r/0" }, { uri: "file:///x", offset: 3, length: 4 }, null]);
    });

    it("round-trips a multi-batch table, and views read across the batches", () => {
      const table = tableFromColumns(allColumns(0)).concat(tableFromColumns(allColumns(100)));
      const back = ipcRoundTrip(table, format).table;
      expect(back.batches.length).toBe(2);
      expect(back.batches.every((b) => b.schema.fields[5]!.metadata.get(EXTENSION_NAME_KEY) === "sluice.embedding")).toBe(true);
      const t = fixedShapeTensorView(columnOf(back, "t"));
      expect(t.shape).toEqual([6, 2, 2]);
      expect(t.data[12]).toBe(100 / 8);
      expect(objectRefs(columnOf(back, "ref"))[3]).toEqual({ uri: "memory://r/100" });
    });

    it("keeps extension metadata on fields nested inside a struct column", () => {
      const emb = embeddingColumn("emb", tensor("f32", [2, 2], [1, 0, 0, 1]), { metric: "l2", normalized: true });
      const t = fixedShapeTensorColumn("t", tensor("u8", [2, 3], [1, 2, 3, 4, 5, 6]));
      const type = new Struct([emb.field, t.field]);
      const nested: ExtensionColumn = {
        field: new Field("features", type, true),
        vector: makeVector(makeData({ type, length: 2, children: [emb.vector.data[0]!, t.vector.data[0]!] })),
      };
      const { table } = ipcRoundTrip(recordBatchFromColumns([nested]), format);
      const children = (table.schema.fields[0]!.type as Struct).children;
      expect(children.map((c) => c.metadata.get(EXTENSION_NAME_KEY))).toEqual(["sluice.embedding", "arrow.fixed_shape_tensor"]);
      expect(children[0]!.metadata.get(EXTENSION_METADATA_KEY)).toBe('{"metric":"l2","normalized":true}');
      // The nested child is a column in its own right: view it with its nested Field.
      const vector = columnOf(table, "features").vector;
      const child = { field: children[1]!, vector: makeVector(vector.data.map((d) => d.children[1]!)) } as ExtensionColumn;
      expect([...fixedShapeTensorView(child).data]).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });
});
