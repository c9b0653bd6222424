import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Field, Int64, tableFromArrays } from "apache-arrow";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STAGING_DIR, arrowSink, arrowSource, jsonlSink, jsonlSource, parquetSink, parquetSource, type StagedFileSink } from "../../connectors/index.js";
import type { Json } from "../../runtime/api/stream.js";
import type { Source } from "../../runtime/api/source.js";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import { drain, rowKeys, tempDir } from "./helpers.js";
import { sampleBatch } from "./fixtures.js";

const schema = sampleBatch(0, 1).schema;
const ctx = { jobId: "job-1", subtask: 0 };

interface Format {
  name: string;
  ext: string;
  sink: (target: string, opts?: { singleFile?: boolean; maxPartRows?: number }) => StagedFileSink;
  source: (path: string) => Source;
  /** How a row reads back (JSONL loses the Arrow types, so compare ids only there). */
  key: (rows: string[]) => unknown[];
}

const ids = (rows: string[]): unknown[] => rows.map((r) => JSON.parse(r).id);
const formats: Format[] = [
  { name: "jsonl", ext: ".jsonl", sink: (t, o) => jsonlSink(t, o), source: (p) => jsonlSource(p), key: ids },
  { name: "arrow", ext: ".arrow", sink: (t, o) => arrowSink(t, o), source: (p) => arrowSource(p), key: (r) => r },
  { name: "parquet", ext: ".parquet", sink: (t, o) => parquetSink(t, o), source: (p) => parquetSource(p), key: (r) => r },
];

/** What a reader of the output directory sees (hidden staging excluded). */
async function visible(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((n) => !n.startsWith(".")).sort();
}

async function stagedFiles(dir: string): Promise<string[]> {
  const root = join(dir, STAGING_DIR, "job-1", "0");
  return (await readdir(root).catch(() => [] as string[])).sort();
}

function expectedKeys(f: Format, ranges: [number, number][]): unknown[] {
  return f.key(ranges.flatMap(([a, b]) => rowKeys(sampleBatch(a, b - a))));
}

describe.each(formats)("$name sink", (f) => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it("stages writes invisibly, publishes on commit, commits idempotently, aborts cleanly", async () => {
    const out = join(dir, "out");
    const sink = f.sink(out);
    await sink.open(schema, ctx);
    await sink.write(sampleBatch(0, 4));
    await sink.write(sampleBatch(4, 3));
    expect(await visible(out)).toEqual([]);
    expect(await stagedFiles(out)).toEqual([`part-00000-00000000${f.ext}.inprogress`]);

    const c1 = await sink.prepareCommit(1);
    expect(await visible(out)).toEqual([]);
    expect(await stagedFiles(out)).toEqual([`part-00000-00000000${f.ext}.ckpt-1`]);
    expect(JSON.parse(JSON.stringify(c1))).toEqual(c1);

    await sink.write(sampleBatch(7, 5));
    const c2 = await sink.prepareCommit(2);
    const empty = await sink.prepareCommit(3); // nothing written since: no parts
    expect((empty as { parts: Json[] }).parts).toEqual([]);

    await sink.commit(c1);
    expect(await visible(out)).toEqual([`part-00000-00000000${f.ext}`]);
    expect(f.key((await drain(f.source(out), undefined, 100)).rows)).toEqual(expectedKeys(f, [[0, 7]]));
    await sink.commit(c1); // recovery may repeat a commit
    await f.sink(out).commit(c1); // …on a fresh instance that was never opened
    expect(await visible(out)).toEqual([`part-00000-00000000${f.ext}`]);

    await sink.abort(c2);
    await sink.abort(c2);
    expect(await stagedFiles(out)).toEqual([]);

    await sink.write(sampleBatch(12, 2));
    await sink.finish();
    expect(await visible(out)).toEqual([`part-00000-00000000${f.ext}`, `part-00000-00000002${f.ext}`]);
    expect(f.key((await drain(f.source(out), undefined, 100)).rows)).toEqual(expectedKeys(f, [[0, 7], [12, 14]]));
    expect(await readdir(out)).not.toContain(STAGING_DIR); // staging cleaned up
  });

  it("recovers after a crash: re-commit of the restored checkpoint, replay, exactly-once output", async () => {
    const out = join(dir, "out");
    const a = f.sink(out);
    await a.open(schema, ctx);
    await a.write(sampleBatch(0, 10));
    const c1 = await a.prepareCommit(1);
    await a.commit(c1);
    await a.write(sampleBatch(10, 5));
    await a.prepareCommit(2); // checkpoint 2 never completes
    await a.write(sampleBatch(15, 1)); // in progress when the process dies: no close()

    const b = f.sink(out);
    await b.commit(c1); // the runtime re-commits the restored committable
    await b.open(schema, ctx);
    await b.write(sampleBatch(10, 10)); // replay from checkpoint 1
    await b.finish();
    expect(f.key((await drain(f.source(out), undefined, 100)).rows)).toEqual(expectedKeys(f, [[0, 20]]));
    expect(await readdir(out)).not.toContain(STAGING_DIR); // the dead attempt's files are gone
  });

  it("rolls parts at maxPartRows and names them in write order", async () => {
    const out = join(dir, "out");
    const sink = f.sink(out, { maxPartRows: 4 });
    await sink.open(schema, { jobId: "j", subtask: 3 });
    for (let i = 0; i < 10; i += 2) await sink.write(sampleBatch(i, 2));
    await sink.finish();
    expect(await visible(out)).toEqual([0, 1, 2].map((n) => `part-00003-0000000${n}${f.ext}`));
    expect(f.key((await drain(f.source(out), undefined, 100)).rows)).toEqual(expectedKeys(f, [[0, 10]]));
  });

  it("single file: nothing visible until finish, then one whole file", async () => {
    const out = join(dir, `result${f.ext}`);
    const a = f.sink(out, { singleFile: true });
    await a.open(schema, ctx);
    await a.write(sampleBatch(0, 6));
    const c1 = await a.prepareCommit(1);
    await a.commit(c1);
    await a.write(sampleBatch(6, 3));
    await a.prepareCommit(2); // lost with the crash

    const b = f.sink(out, { singleFile: true });
    await b.commit(c1);
    await b.open(schema, ctx);
    await b.write(sampleBatch(6, 4));
    const c2 = await b.prepareCommit(2);
    await b.commit(c2);
    await expect(stat(out)).rejects.toThrow(/ENOENT/);
    await b.write(sampleBatch(10, 1));
    await b.finish();
    expect(await visible(dir)).toEqual([`result${f.ext}`]);
    expect(f.key((await drain(f.source(out), undefined, 100)).rows)).toEqual(expectedKeys(f, [[0, 11]]));
    await b.commit(c2); // a repeated commit after the file was assembled is a no-op
    await expect(f.sink(join(dir, `x${f.ext}`), { singleFile: true }).open(schema, { jobId: "j", subtask: 1 })).rejects.toThrow(/needs parallelism 1/);
  });

  it("an output with no rows still has one part carrying the schema", async () => {
    const out = join(dir, "out");
    const sink = f.sink(out);
    await sink.open(schema, ctx);
    await sink.finish();
    expect(await visible(out)).toEqual([`part-00000-00000000${f.ext}`]);
    if (f.name !== "jsonl") {
      const src = f.source(out);
      expect((await src.schema()).fields.map((x) => x.name)).toEqual(schema.fields.map((x) => x.name));
      expect((await drain(src, undefined, 10)).rows).toEqual([]);
    }
  });

  it("rejects wrong batches, lost staged data and foreign committables with ConnectorErrors", async () => {
    const out = join(dir, "out");
    const sink = f.sink(out);
    await sink.open(schema, ctx);
    const other = tableFromArrays({ id: BigInt64Array.from([1n]) }).batches[0]!;
    await expect(sink.write(other)).rejects.toThrow(/-sink\(.*out\): .*out: schema differs/);
    await sink.write(sampleBatch(0, 2));
    const c = (await sink.prepareCommit(1)) as { parts: { staged: string; final: string }[] };
    await rm(c.parts[0]!.staged);
    const lost = sink.commit(c as unknown as Json);
    await expect(lost).rejects.toBeInstanceOf(ConnectorError);
    await expect(lost).rejects.toThrow(/staged part is missing and was never committed; the data is lost/);
    const tampered = { ...c, parts: [{ staged: c.parts[0]!.staged, final: "/etc/passwd" }] } as unknown as Json;
    await expect(sink.commit(tampered)).rejects.toThrow(/invalid committable/);
    await expect(sink.commit({ kind: "other" })).rejects.toThrow(/invalid committable \(kind/);
    const wrongFormat = { ...(c as object), format: f.name === "jsonl" ? "parquet" : "jsonl" } as unknown as Json;
    await expect(sink.commit(wrongFormat)).rejects.toThrow(/written by a '.*' sink, this sink writes '/);
    await writeFile(join(dir, "file"), "x");
    await expect(f.sink(join(dir, "file")).open(schema, ctx)).rejects.toThrow(/exists and is not a directory/);
  });
});

describe("jsonl output of non-JSON types", () => {
  it("int64 beyond 2^53 as strings, NaN as null, binary as base64 or omitted, tensors nested, refs as objects", async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const { recordBatchFromColumns, columnsOf } = await import("../../runtime/types/index.js");
      const { makeData, makeVector, Float64 } = await import("apache-arrow");
      const big = { field: new Field("big", new Int64(), false), vector: makeVector(makeData({ type: new Int64(), length: 2, data: BigInt64Array.from([2n ** 60n, -3n]) })) };
      const flt = { field: new Field("f", new Float64(), false), vector: makeVector(Float64Array.from([NaN, 1.5])) };
      const batch = recordBatchFromColumns([...columnsOf(sampleBatch(3, 2)), big, flt]);
      for (const binary of ["base64", "omit"] as const) {
        const out = join(dir, `out-${binary}.jsonl`);
        const sink = jsonlSink(out, { singleFile: true, binary });
        await sink.open(batch.schema, ctx);
        await sink.write(batch);
        await sink.finish();
        const rows = (await readFile(out, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
        expect(rows[0]).toEqual({
          id: 3,
          name: "row-3",
          tensor: [[3, 3.1, 3.2].map(Math.fround), [3.3, 3.4, 3.5].map(Math.fround)],
          emb: [3, 0, 0, 1],
          ...(binary === "base64" && { blob: Buffer.from([3, 1, 2]).toString("base64") }),
          ref: { uri: "memory://obj/3", offset: null, length: 3, etag: null, content_type: null },
          big: "1152921504606846976",
          f: null,
        });
        expect(rows[1]).toMatchObject({ id: 4, emb: null, big: -3, f: 1.5 });
      }
    } finally {
      await cleanup();
    }
  });
});
