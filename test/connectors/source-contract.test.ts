import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Table, tableToIPC } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { arrowSource, filesSource, jsonlSource, parquetSource, textSource } from "../../connectors/index.js";
import { encodeParquet } from "../../connectors/parquet/parquet-wasm.js";
import type { Source } from "../../runtime/api/source.js";
import { sampleBatch } from "./fixtures.js";
import { tempDir } from "./helpers.js";

/** What every file source promises the executor: bounded batches, prompt abort, checked options. */
describe("file source contract", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const sources: [string, () => Source][] = [];
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const t = new Table([sampleBatch(0, 50)]);
    await writeFile(join(dir, "d.arrow"), tableToIPC(t, "file"));
    await writeFile(join(dir, "d.parquet"), await encodeParquet(t.schema, t.batches));
    await writeFile(join(dir, "d.jsonl"), Array.from({ length: 50 }, (_, i) => JSON.stringify({ i })).join("\n"));
    await writeFile(join(dir, "d.txt"), Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n"));
    for (let i = 0; i < 10; i++) await writeFile(join(dir, `f${i}.bin`), "x");
    sources.push(
      ["arrow", () => arrowSource(join(dir, "d.arrow"))],
      ["parquet", () => parquetSource(join(dir, "d.parquet"))],
      ["jsonl", () => jsonlSource(join(dir, "d.jsonl"))],
      ["text lines", () => textSource(join(dir, "d.txt"), { mode: "line" })],
      ["files", () => filesSource(join(dir, "*.bin"))],
    );
  });
  afterAll(() => cleanup());

  it("stops with the abort reason right after the batch during which the job was cancelled", async () => {
    for (const [label, make] of sources) {
      const ctl = new AbortController();
      let batches = 0;
      const run = (async () => {
        for await (const _ of make().read(undefined, { batchRows: 3, signal: ctl.signal })) {
          batches++;
          ctl.abort(new Error(`cancel ${label}`));
        }
      })();
      await expect(run, label).rejects.toThrow(`cancel ${label}`);
      expect(batches, label).toBe(1);
    }
  });

  it("rejects a batchRows that is not a positive integer", async () => {
    for (const [label, make] of sources) {
      const it = make().read(undefined, { batchRows: 0, signal: new AbortController().signal })[Symbol.asyncIterator]();
      await expect(it.next(), label).rejects.toThrow(/batchRows must be a positive integer, got 0/);
    }
  });

  it("has a name for errors and metrics, and a schema before any data flows", async () => {
    for (const [label, make] of sources) {
      const src = make();
      expect(src.name, label).toMatch(/^[a-z]+\(.+\)$/);
      expect((await src.schema()).fields.length, label).toBeGreaterThan(0);
    }
  });
});
