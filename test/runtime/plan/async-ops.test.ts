import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Field, Int32, Utf8, vectorFromArray } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlanError } from "../../../runtime/api/runtime-errors.js";
import type { Batch } from "../../../runtime/api/stream.js";
import { AsyncInvokeError, failItem } from "../../../runtime/async/index.js";
import { ObjectStore } from "../../../runtime/objects/index.js";
import { fetchOp, mapBatchesOp, udfOp, type UdfRow } from "../../../runtime/plan/ops/async-ops.js";
import { encodedImages, objectRefColumn, recordBatchFromColumns, type ExtensionColumn } from "../../../runtime/types/index.js";
import { startHttpTestServer, type HttpTestServer } from "../../helpers/http-test-server.js";
import { planTransform, runOperator } from "../../helpers/plan-step.js";

const PNG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3);

let server: HttpTestServer;
let base: string;
let hits: Map<string, number>;

function route(req: IncomingMessage, res: ServerResponse): void {
  const path = req.url ?? "/";
  const ok = /^\/ok\/(\w+)$/.exec(path);
  if (ok) return void res.writeHead(200).end(`body-${ok[1]}`);
  if (path === "/missing") return void res.writeHead(404).end("not here");
  if (path === "/slow") return void server.hanging.push(res); // never answers within the timeout
  if (path === "/flaky") return void (hits.get(path) === 1 ? res.writeHead(503).end() : res.writeHead(200).end("recovered"));
  if (path === "/png") return void res.writeHead(200).end(PNG);
  res.writeHead(500).end();
}

beforeAll(async () => {
  server = await startHttpTestServer(route);
  ({ base, hits } = server);
});

afterAll(async () => {
  await server.close();
});

function col(name: string, values: readonly (string | null)[]): ExtensionColumn {
  return { field: new Field(name, new Utf8(), true), vector: vectorFromArray(values as string[], new Utf8()) } as ExtensionColumn;
}

function intCol(name: string, values: readonly number[]): ExtensionColumn {
  return { field: new Field(name, new Int32(), true), vector: vectorFromArray(values, new Int32()) } as ExtensionColumn;
}

function batchOf(...columns: ExtensionColumn[]): Batch {
  return recordBatchFromColumns(columns);
}

function strings(batches: readonly Batch[], column: string): unknown[] {
  return batches.flatMap((b) => [...b.getChild(column)!] as unknown[]);
}

function decoded(batches: readonly Batch[], column: string): string[] {
  return batches.flatMap((b) => [...b.getChild(column)!].map((v) => new TextDecoder().decode(v as Uint8Array)));
}

const quickRetry = { attempts: 3, backoff: { initialMs: 5, maxMs: 20 }, jitter: 0 };

describe("fetch", () => {
  it("dead-letters a 404 at once, retries a timeout `attempts` times, and keeps good rows in order", async () => {
    hits.clear();
    const paths = ["/ok/a", "/missing", "/ok/b", "/slow", "/ok/c", "/flaky"];
    const input = batchOf(intCol("id", [10, 11, 12, 13, 14, 15]), col("url", paths.map((p) => base + p)));
    const planned = await planTransform(fetchOp, { column: "url", key: "id", timeoutMs: 150, retry: quickRetry, batch: { maxRows: 4 } }, input.schema);
    expect(planned.output.fields.map((f) => f.name)).toEqual(["id", "url", "bytes"]);
    const run = await runOperator(planned.create(), [input.slice(0, 3), input.slice(3, 6)]);

    expect(strings(run.out, "id")).toEqual([10, 12, 14, 15]);
    expect(decoded(run.out, "bytes")).toEqual(["body-a", "body-b", "body-c", "recovered"]);
    expect(run.out.every((b) => b.schema.fields.map((f) => f.name).join() === "id,url,bytes")).toBe(true);

    const byKey = new Map(run.deadLetters.map((l) => [l.key, l]));
    expect([...byKey.keys()].sort()).toEqual([11, 13]);
    expect(hits.get("/missing")).toBe(1);
    expect(byKey.get(11)).toMatchObject({ step: "fetch", error: "FetchError", input: `${base}/missing` });
    expect(byKey.get(11)!.reason).toContain("HTTP 404");
    expect(hits.get("/slow")).toBe(3);
    expect(byKey.get(13)!.step).toBe("fetch");
    expect(byKey.get(13)!.reason).toMatch(/^after 3 attempts: .*timed out after 150 ms/);
    expect(hits.get("/flaky")).toBe(2); // a 503 is retried and then succeeds
    expect(new Date(byKey.get(13)!.at).getTime()).not.toBeNaN();
  }, 20_000);

  it("reads bare paths relative to the spec folder, refuses paths outside allowed roots, and skips on request", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-fetch-"));
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "data", "a.txt"), "alpha");
    writeFileSync(join(dir, "outside.txt"), "secret");
    const input = batchOf(col("path", ["a.txt", "../outside.txt", null, "nope.txt"]));
    const planned = await planTransform(fetchOp, { column: "path", output: "blob", allowedRoots: ["."] }, input.schema, join(dir, "data"));
    const run = await runOperator(planned.create(), [input]);
    expect(decoded(run.out, "blob")).toEqual(["alpha"]);
    expect(run.deadLetters.map((l) => l.key)).toEqual([1, 2, 3]);
    expect(run.deadLetters[1]!.reason).toContain("no object reference");

    const skipping = await planTransform(fetchOp, { column: "path", onError: "skip" }, input.schema, join(dir, "data"));
    const skipped = await runOperator(skipping.create(), [input]);
    expect(decoded(skipped.out, "bytes")).toEqual(["alpha"]);
    expect(skipped.deadLetters).toEqual([]);
  });

  it("reads object references through a given store and checks image bytes with as: image", async () => {
    const store = ObjectStore.standard();
    const png = store.put(PNG);
    const text = store.put(new TextEncoder().encode("not an image"));
    const refs = objectRefColumn("ref", [png, text, { uri: `${base}/png` }]);
    const input = recordBatchFromColumns([refs]);
    const planned = await planTransform(fetchOp, { column: "ref", as: "image", store }, input.schema);
    expect(planned.output.fields[1]!.metadata.get("ARROW:extension:name")).toBe("sluice.image");
    const run = await runOperator(planned.create(), [input]);
    const images = run.out.flatMap((b) => encodedImages({ field: b.schema.fields[1]!, vector: b.getChildAt(1)! }));
    expect(images.map((i) => i?.format)).toEqual(["png", "png"]);
    expect(run.deadLetters).toHaveLength(1);
    expect(run.deadLetters[0]).toMatchObject({ key: 1, step: "fetch", error: "RecordError" });
    expect(run.deadLetters[0]!.reason).toContain("not an image");
  });

  it("rejects a missing or non-text column and a bad async config at plan time, naming the step", async () => {
    const input = batchOf(intCol("id", [1]));
    await expect(planTransform(fetchOp, { column: "url" }, input.schema)).rejects.toThrow(/step 'fetch'.*column 'url' does not exist/);
    await expect(planTransform(fetchOp, { column: "id" }, input.schema)).rejects.toThrow(/step 'fetch'.*must be utf8/);
    const bad = planTransform(fetchOp, { column: "id", batch: { maxRows: 0 }, retry: { attempts: 0 } }, batchOf(col("id", ["x"])).schema);
    await expect(bad).rejects.toBeInstanceOf(PlanError);
    await expect(bad).rejects.toThrow(/step 'fetch'.*batch\.maxRows must be an integer ≥ 1.*retry\.attempts/);
  });
});

describe("udf", () => {
  const numbers = (from: number, n: number): Batch => batchOf(intCol("n", Array.from({ length: n }, (_, i) => from + i)));

  it("calls the function on micro-batches that span input batches, and writes one value per row", async () => {
    const calls: number[][] = [];
    const fn = (rows: readonly UdfRow[]) => {
      calls.push(rows.map((r) => r.n as number));
      return rows.map((r) => `#${r.n as number}`);
    };
    const planned = await planTransform(udfOp, { columns: "n", output: "label", returns: "utf8", fn, batch: { maxRows: 8, maxDelayMs: 60_000 } }, numbers(0, 1).schema);
    const run = await runOperator(planned.create(), [numbers(0, 5), numbers(5, 5), numbers(10, 5)]);
    expect(calls.map((c) => c.length)).toEqual([8, 7]);
    expect(calls.flat()).toEqual(Array.from({ length: 15 }, (_, i) => i));
    expect(strings(run.out, "label")).toEqual(Array.from({ length: 15 }, (_, i) => `#${i}`));
    expect(strings(run.out, "n")).toEqual(Array.from({ length: 15 }, (_, i) => i));
  });

  it("dead-letters rows the function fails or answers with the wrong type; retries retriable row failures", async () => {
    const attempts = new Map<number, number>();
    const fn = (rows: readonly UdfRow[]) =>
      rows.map((r) => {
        const n = r.n as number;
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (n === 2) return failItem(new Error("two is bad"));
        if (n === 3 && attempts.get(n) === 1) return failItem(Object.assign(new Error("flaky"), { retriable: true }));
        if (n === 4) return "four";
        return n * 10;
      });
    const planned = await planTransform(udfOp, { columns: ["n"], output: "x", returns: "i32", fn, retry: quickRetry }, numbers(0, 1).schema);
    const run = await runOperator(planned.create(), [numbers(0, 6)]);
    expect(strings(run.out, "n")).toEqual([0, 1, 3, 5]);
    expect(strings(run.out, "x")).toEqual([0, 10, 30, 50]);
    expect(attempts.get(2)).toBe(1); // not retriable: one attempt
    expect(attempts.get(3)).toBe(2);
    expect(run.deadLetters.map((l) => [l.key, l.step, l.error])).toEqual([
      [2, "udf", "Error"],
      [4, "udf", "RecordError"],
    ]);
    expect(run.deadLetters[0]!.reason).toBe("two is bad");
    expect(run.deadLetters[1]!.reason).toContain("not a i32 value");
    expect(run.deadLetters[1]!.input).toEqual({ n: 4 });
  });

  it("fails the job under onError: fail, naming the step and the record", async () => {
    const fn = (rows: readonly UdfRow[]) => rows.map((r) => (r.n === 1 ? failItem(new Error("boom")) : 1));
    const planned = await planTransform(udfOp, { columns: "n", output: "x", returns: "f64", fn, onError: "fail" }, numbers(0, 1).schema);
    const failure = runOperator(planned.create(), [numbers(0, 3)]);
    await expect(failure).rejects.toBeInstanceOf(AsyncInvokeError);
    await expect(failure).rejects.toThrow(/step 'udf' failed on record 1 .*boom/);
  });

  it("emits every row once in unordered mode, with completion order free", async () => {
    const fn = async (rows: readonly UdfRow[]) => {
      await new Promise((r) => setTimeout(r, (rows[0]!.n as number) % 2 === 0 ? 30 : 1));
      return rows.map((r) => ({ n: r.n }));
    };
    const planned = await planTransform(udfOp, { columns: "n", output: "j", fn, ordered: false, concurrency: 4, batch: { maxRows: 1 } }, numbers(0, 1).schema);
    const run = await runOperator(planned.create(), [numbers(0, 8)]);
    expect((strings(run.out, "n") as number[]).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(strings(run.out, "j").map((s) => JSON.parse(s as string).n)).toEqual(strings(run.out, "n"));
    expect(run.out[0]!.schema.fields[1]!.metadata.get("ARROW:extension:name")).toBe("arrow.json");
  });

  it("loads the function from a module relative to the spec folder; a missing module or export is a PlanError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-udf-"));
    writeFileSync(join(dir, "fns.mjs"), "export function double(rows) { return rows.map((r) => r.n * 2); }\n");
    const schema = numbers(0, 1).schema;
    const planned = await planTransform(udfOp, { columns: "n", output: "d", returns: "i32", module: "./fns.mjs", export: "double" }, schema, dir);
    const run = await runOperator(planned.create(), [numbers(1, 3)]);
    expect(strings(run.out, "d")).toEqual([2, 4, 6]);
    await expect(planTransform(udfOp, { columns: "n", output: "d", module: "./fns.mjs", export: "triple" }, schema, dir)).rejects.toThrow(
      /step 'udf'.*has no function export 'triple' \(function exports: double\)/,
    );
    await expect(planTransform(udfOp, { columns: "n", output: "d", module: "./none.mjs" }, schema, dir)).rejects.toThrow(/step 'udf'.*cannot import module .*none\.mjs/);
    await expect(planTransform(udfOp, { columns: "m", output: "d", fn: () => [] }, schema, dir)).rejects.toThrow(/step 'udf'.*column 'm' does not exist/);
  });
});

describe("mapBatches", () => {
  const input = batchOf(intCol("n", [1, 2, 3]), col("s", ["a", "b", "c"]));

  it("keeps the schema by default and checks each returned batch against it", async () => {
    const fn = (b: Batch) => batchOf(intCol("n", (b.getChild("n")!.toArray() as Int32Array).map((v) => v * 2) as unknown as number[]), col("s", ["x", "y", "z"]));
    const planned = await planTransform(mapBatchesOp, { fn }, input.schema);
    expect(planned.output).toBe(input.schema);
    const run = await runOperator(planned.create(), [input]);
    expect(strings(run.out, "n")).toEqual([2, 4, 6]);

    const wrong = await planTransform(mapBatchesOp, { fn: (b: Batch) => b.selectAt([0]) }, input.schema);
    await expect(runOperator(wrong.create(), [input])).rejects.toThrow(/step 'mapBatches'.*returned columns \(n: Int32\), the declared schema is \(n: Int32, s: Utf8\)/);
  });

  it("plans later steps against a declared schema, and runs async functions from modules", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-map-"));
    writeFileSync(join(dir, "first.mjs"), "export async function firstColumn(b) { await null; return b.selectAt([0]); }\n");
    const planned = await planTransform(mapBatchesOp, { module: "first.mjs", export: "firstColumn", schema: { n: "i32" } }, input.schema, dir);
    expect(planned.output.fields.map((f) => `${f.name}:${f.type}`)).toEqual(["n:Int32"]);
    const run = await runOperator(planned.create(), [input, input.slice(0, 1)]);
    expect(run.out.map((b) => b.numCols)).toEqual([1, 1]);
    expect(strings(run.out, "n")).toEqual([1, 2, 3, 1]);
    await expect(planTransform(mapBatchesOp, { fn: (b: Batch) => b, schema: { rows: "float" } }, input.schema)).rejects.toThrow(/step 'mapBatches'.*unknown type "float"/);
    await expect(planTransform(mapBatchesOp, {}, input.schema)).rejects.toThrow(/step 'mapBatches'.*needs 'fn'/);
  });
});
