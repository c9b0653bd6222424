import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Table, tableToIPC, tableFromArrays } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrowSource, parquetSource } from "../../connectors/index.js";
import { encodeParquet } from "../../connectors/parquet/parquet-wasm.js";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import { columnOf, embeddingInfo, fixedShapeTensorInfo, fixedShapeTensorView } from "../../runtime/types/index.js";
import { drain, expectExactReplay, rowKeys, tempDir } from "./helpers.js";
import { sampleBatch } from "./fixtures.js";

describe("arrowSource and parquetSource", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const expected: string[] = [];
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    // Batches of uneven sizes so slicing, batch boundaries and file boundaries all get crossed.
    const t1 = new Table([sampleBatch(0, 5), sampleBatch(5, 2), sampleBatch(7, 4)]);
    const t2 = new Table([sampleBatch(11, 3)]);
    for (const t of [t1, t2]) for (const b of t.batches) expected.push(...rowKeys(b));
    await writeFile(join(dir, "a.arrow"), tableToIPC(t1, "file"));
    await writeFile(join(dir, "b.arrows"), tableToIPC(t2, "stream"));
    await writeFile(join(dir, "a.parquet"), await encodeParquet(t1.schema, t1.batches, { rowGroupRows: 4 }));
    await writeFile(join(dir, "b.parquet"), await encodeParquet(t2.schema, t2.batches, { compression: "zstd" }));
    await writeFile(join(dir, "corrupt.arrow"), Buffer.from("ARROW1\0\0garbage-garbage-garbage"));
    await writeFile(join(dir, "corrupt.parquet"), Buffer.from("PAR1 this is not parquet PAR1"));
    await writeFile(join(dir, "empty.arrow"), "");
    const other = tableFromArrays({ x: Int32Array.from([1]) });
    await writeFile(join(dir, "other.arrow"), tableToIPC(other, "file"));
    await writeFile(join(dir, "other.parquet"), await encodeParquet(other.schema, other.batches));
  });
  afterAll(() => cleanup());

  for (const [label, make] of [
    ["arrow (file + stream format)", () => arrowSource([join(dir, "a.arrow"), join(dir, "b.arrows")])],
    ["parquet (row groups of 4)", () => parquetSource(join(dir, "{a,b}.parquet"))],
  ] as const) {
    it(`${label}: all rows in order, extension metadata intact`, async () => {
      const src = make();
      const { rows, batches } = await drain(src, undefined, 3);
      expect(rows).toEqual(expected);
      const schema = await src.schema();
      for (const b of batches) expect(b.schema.fields.map((f) => f.metadata)).toEqual(schema.fields.map((f) => f.metadata));
      const tensor = columnOf(batches[0]!, "tensor");
      expect(fixedShapeTensorInfo(tensor.field)).toMatchObject({ dtype: "f32", shape: [2, 3], dimNames: ["h", "w"] });
      expect(Array.from(fixedShapeTensorView(tensor).data.slice(6, 12) as Float32Array)).toEqual([1, 1.1, 1.2, 1.3, 1.4, 1.5].map(Math.fround));
      expect(embeddingInfo(columnOf(batches[0]!, "emb").field)).toEqual({ dim: 4, model: "m1", metric: "cosine", normalized: false });
    });

    it(`${label}: resumes exactly from every position`, async () => {
      await expectExactReplay(make(), 3);
    });
  }

  it("parquet reads a subset of columns", async () => {
    const src = parquetSource(join(dir, "a.parquet"), { columns: ["name", "id"] });
    expect((await src.schema()).fields.map((f) => f.name)).toEqual(["name", "id"]);
    const { batches } = await drain(src, undefined, 100);
    expect(batches[0]!.getChild("name")!.get(0)).toBe("row-0");
    await expect(parquetSource(join(dir, "a.parquet"), { columns: ["nope"] }).schema()).rejects.toThrow(/no column 'nope'/);
  });

  it("corrupt, empty and mismatched files are ConnectorErrors naming the file", async () => {
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => drain(arrowSource(join(dir, "corrupt.arrow")), undefined, 10), /arrow\(.*corrupt\.arrow: corrupt or truncated Arrow IPC data/],
      [() => drain(arrowSource(join(dir, "empty.arrow")), undefined, 10), /empty\.arrow: not an Arrow IPC file or stream/],
      [() => drain(parquetSource(join(dir, "corrupt.parquet")), undefined, 10), /parquet\(.*corrupt\.parquet: corrupt, truncated or not a Parquet file/],
      [() => drain(arrowSource([join(dir, "a.arrow"), join(dir, "other.arrow")]), undefined, 10), /other\.arrow: schema differs from the first file's/],
      [() => drain(parquetSource([join(dir, "a.parquet"), join(dir, "other.parquet")]), undefined, 100), /other\.parquet: schema differs/],
      [() => parquetSource(join(dir, "missing.parquet")).schema(), /missing\.parquet: cannot read: no such file/],
    ];
    for (const [run, re] of cases) {
      const err = await run().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect((err as Error).message).toMatch(re);
    }
  });

  it("an empty input needs allowEmpty and a schema", async () => {
    const schema = sampleBatch(0, 1).schema;
    const src = arrowSource(join(dir, "*.none"), { allowEmpty: true, schema });
    expect(await src.schema()).toBe(schema);
    expect((await drain(src, undefined, 5)).rows).toEqual([]);
    await expect(parquetSource(join(dir, "*.none"), { allowEmpty: true }).schema()).rejects.toThrow(/no input files to take the schema from/);
  });
});
