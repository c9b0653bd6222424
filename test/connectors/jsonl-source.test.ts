import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Field, FixedSizeList, Float32, Int32, Int64, List, Schema, Utf8 } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JSON_TEXT_KEY, badRecordToDeadLetter, jsonlSource, type BadRecord } from "../../connectors/index.js";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import { columnOf, fixedShapeTensorField, fixedShapeTensorView } from "../../runtime/types/index.js";
import { drain, expectExactReplay, tempDir } from "./helpers.js";

const lines = (rows: unknown[]): string => rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join("\n") + "\n";

describe("jsonlSource", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeFile(join(dir, "a.jsonl"), lines([{ id: 1, name: "a", score: 1, tags: ["x"], meta: { k: 1 } }, "", { id: 2, name: "b", score: 2.5, tags: [], meta: { k: 2, j: true } }, { id: 3, name: null, mixed: "s" }]));
    await writeFile(join(dir, "b.jsonl"), lines([{ id: 4, name: "d", mixed: 7 }, { id: 5, name: "e", score: -1 }, { id: 6 }, { id: 7, name: "g" }]));
    await writeFile(join(dir, "bad.jsonl"), lines([{ id: 1 }, "{not json", { id: "two" }, "[1,2]", { id: 3, extra: 1 }, { id: 4 }]));
    await writeFile(join(dir, "tensor.jsonl"), lines([{ t: [[1, 2, 3], [4, 5, 6]] }, { t: [7, 8, 9, 10, 11, 12] }, { t: null }]));
    await writeFile(join(dir, "big.jsonl"), lines([{ n: "9007199254740993" }, { n: -5 }]));
  });
  afterAll(() => cleanup());

  it("infers a schema from the first lines: int64, float64 (widened), utf8, list, struct, JSON text for conflicts", async () => {
    const schema = await jsonlSource(join(dir, "{a,b}.jsonl")).schema();
    expect(schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      "id: Int64",
      "name: Utf8",
      "score: Float64",
      "tags: List<Utf8>",
      "meta: Struct<{k:Int64, j:Bool}>",
      "mixed: Utf8",
    ]);
    expect(schema.fields[5]!.metadata.get(JSON_TEXT_KEY)).toBe("text");
    // tags: ["x"] then [] still infers a list of strings; all-null sample → JSON text
    const sparse = await jsonlSource(join(dir, "a.jsonl"), { inferRows: 1 }).schema();
    expect(sparse.fields.map((f) => f.name)).toEqual(["id", "name", "score", "tags", "meta"]);
  });

  it("reads rows across files with nulls for missing keys and JSON text for conflicting values", async () => {
    const { batches } = await drain(jsonlSource(join(dir, "{a,b}.jsonl")), undefined, 100);
    const rows = batches.flatMap((b) => b.toArray().map((r) => r.toJSON()));
    expect(rows.map((r) => r.id)).toEqual([1n, 2n, 3n, 4n, 5n, 6n, 7n]);
    expect(rows.map((r) => r.score)).toEqual([1, 2.5, null, null, -1, null, null]);
    expect(rows.map((r) => r.mixed)).toEqual([null, null, '"s"', "7", null, null, null]);
    expect(rows[1]!.meta.toJSON()).toEqual({ k: 2n, j: true });
  });

  it("resumes exactly from every position (byte offset + line)", async () => {
    const all = await expectExactReplay(jsonlSource(join(dir, "{a,b}.jsonl")), 2);
    expect(all.positions[0]!.position).toMatchObject({ file: 0, line: 4 }); // after a blank line and two objects
  });

  it("bad lines are errors naming file:line, or reported to onBadRecord and skipped", async () => {
    const schema = new Schema([new Field("id", new Int64(), true)]);
    const strict = drain(jsonlSource(join(dir, "bad.jsonl"), { schema }), undefined, 10);
    await expect(strict).rejects.toBeInstanceOf(ConnectorError);
    await expect(strict).rejects.toThrow(/jsonl\(.*bad\.jsonl:2: invalid JSON/);

    const bad: BadRecord[] = [];
    const src = jsonlSource(join(dir, "bad.jsonl"), { schema, extraFields: "reject", onBadRecord: (r) => void bad.push(r) });
    const { rows } = await drain(src, undefined, 10);
    expect(rows.map((r) => JSON.parse(r).id)).toEqual(["1n", "4n"]);
    expect(bad.map((b) => [b.line, b.reason.replace(/:.*/s, "")])).toEqual([
      [2, "invalid JSON"],
      [3, "field 'id'"],
      [4, "field '(row)'"],
      [5, "field 'extra'"],
    ]);
    expect(bad[1]!.reason).toBe(`field 'id': expected a safe integer or a decimal string for int64, got string "two"`);
    expect(bad[1]!.text).toBe('{"id":"two"}');
    const letter = badRecordToDeadLetter(bad[0]!, "read_jsonl");
    expect(letter).toMatchObject({ step: "read_jsonl", key: `${join(dir, "bad.jsonl")}:2`, error: "RecordError", input: "{not json" });
  });

  it("with an inferred schema, a key first seen after the sample (also nested) is a bad record", async () => {
    await writeFile(join(dir, "nested.jsonl"), lines([{ m: { a: 1 } }, { m: { a: 2, b: 3 } }, { m: { a: 3 }, z: 1 }]));
    const bad: BadRecord[] = [];
    const { rows } = await drain(jsonlSource(join(dir, "nested.jsonl"), { inferRows: 1, onBadRecord: (r) => void bad.push(r) }), undefined, 10);
    expect(rows).toHaveLength(1);
    expect(bad.map((b) => b.reason)).toEqual(["field 'm.b': not a field of the schema", "field 'z': not a field of the schema"]);
  });

  it("ignores keys outside a given schema by default", async () => {
    const schema = new Schema([new Field("id", new Int64(), true)]);
    const { rows } = await drain(jsonlSource(join(dir, "bad.jsonl"), { schema, onBadRecord: () => undefined }), undefined, 10);
    expect(rows.map((r) => JSON.parse(r).id)).toEqual(["1n", "3n", "4n"]);
  });

  it("reads tensors from nested arrays into a fixed-shape tensor column", async () => {
    const schema = new Schema([fixedShapeTensorField("t", "f32", { shape: [2, 3] })]);
    const { batches } = await drain(jsonlSource(join(dir, "tensor.jsonl"), { schema }), undefined, 10);
    const view = fixedShapeTensorView(columnOf(batches[0]!, "t"));
    expect(view.shape).toEqual([3, 2, 3]);
    expect(Array.from(view.data as Float32Array).slice(0, 12)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(batches[0]!.getChild("t")!.get(2)).toBeNull();
    const wrong = new Schema([new Field("t", new FixedSizeList(4, new Field("item", new Float32(), false)), true)]);
    await expect(drain(jsonlSource(join(dir, "tensor.jsonl"), { schema: wrong }), undefined, 10)).rejects.toThrow(/tensor\.jsonl:1: field 't': expected 4 values \(after flattening nested arrays\), got 6/);
  });

  it("reads int64 beyond 2^53 from decimal strings; rejects out-of-range ints", async () => {
    const { batches } = await drain(jsonlSource(join(dir, "big.jsonl"), { schema: new Schema([new Field("n", new Int64(), true)]) }), undefined, 10);
    expect(Array.from(batches[0]!.getChild("n")!.toArray() as BigInt64Array)).toEqual([9007199254740993n, -5n]);
    const i32 = new Schema([new Field("n", new Int32(), true)]);
    await expect(drain(jsonlSource(join(dir, "big.jsonl"), { schema: i32 }), undefined, 10)).rejects.toThrow(/big\.jsonl:1: field 'n': expected an int32 integer/);
  });

  it("fails at schema time for types JSON cannot fill, and when there is nothing to infer from", async () => {
    const { Dictionary } = await import("apache-arrow");
    const schema = new Schema([new Field("d", new Dictionary(new Utf8(), new Int32()), true)]);
    await expect(jsonlSource(join(dir, "a.jsonl"), { schema }).schema()).rejects.toThrow(/field 'd': type .* cannot be read from JSON/);
    await writeFile(join(dir, "empty.jsonl"), "\n\n");
    await expect(jsonlSource(join(dir, "empty.jsonl")).schema()).rejects.toThrow(/cannot infer a schema/);
    const list = new Schema([new Field("l", new List(new Field("item", new Int32(), false)), true)]);
    await writeFile(join(dir, "nulls.jsonl"), lines([{ l: [1, null] }]));
    await expect(drain(jsonlSource(join(dir, "nulls.jsonl"), { schema: list }), undefined, 10)).rejects.toThrow(/field 'l\[1\]': null in a non-nullable field/);
  });
});
