import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { textSource } from "../../connectors/index.js";
import { drain, expectExactReplay, tempDir } from "./helpers.js";

describe("textSource", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await writeFile(join(dir, "a.txt"), "\ufeffalpha\r\nbéta\n\ngamma"); // BOM, CRLF, empty line, no final newline
    await writeFile(join(dir, "b.txt"), "one\ntwo\n");
    await writeFile(join(dir, "c.txt"), "");
    await writeFile(join(dir, "bad.bin"), Uint8Array.from([0x61, 0xff, 0xfe, 0x0a]));
  });
  afterAll(() => cleanup());

  it("one row per file", async () => {
    const { rows } = await drain(textSource(join(dir, "*.txt")), undefined, 10);
    expect(rows.map((r) => JSON.parse(r).text)).toEqual(["alpha\r\nbéta\n\ngamma", "one\ntwo\n", ""]);
  });

  it("one row per line, with line numbers; BOM and CR stripped", async () => {
    const { batches } = await drain(textSource(join(dir, "*.txt"), { mode: "line" }), undefined, 100);
    const rows = batches.flatMap((b) => b.toArray().map((r) => [String(r.path).slice(dir.length + 1), r.line, r.text]));
    expect(rows).toEqual([
      ["a.txt", 1, "alpha"],
      ["a.txt", 2, "béta"],
      ["a.txt", 3, ""],
      ["a.txt", 4, "gamma"],
      ["b.txt", 1, "one"],
      ["b.txt", 2, "two"],
    ]);
  });

  it("skipEmptyLines drops blank lines", async () => {
    const { rows } = await drain(textSource(join(dir, "a.txt"), { mode: "line", skipEmptyLines: true }), undefined, 100);
    expect(rows.map((r) => JSON.parse(r).line)).toEqual([1, 2, 4]);
  });

  it("resumes exactly from every position, by file and by line", async () => {
    await expectExactReplay(textSource(join(dir, "*.txt")), 1);
    await expectExactReplay(textSource(join(dir, "*.txt"), { mode: "line" }), 2);
    await expectExactReplay(textSource(join(dir, "*.txt"), { mode: "line", skipEmptyLines: true }), 1);
  });

  it("rejects invalid UTF-8 naming file and line", async () => {
    await expect(drain(textSource(join(dir, "bad.bin"), { mode: "line" }), undefined, 10)).rejects.toThrow(/text\(.*bad\.bin:1: not valid UTF-8/);
    await expect(drain(textSource(join(dir, "bad.bin")), undefined, 10)).rejects.toThrow(/bad\.bin: not valid UTF-8/);
  });

  it("rejects a line over maxLineBytes", async () => {
    await expect(drain(textSource(join(dir, "a.txt"), { mode: "line", maxLineBytes: 3 }), undefined, 10)).rejects.toThrow(/a\.txt:1: line 1 is longer than 3 bytes/);
  });
});
