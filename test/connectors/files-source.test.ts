import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { filesSource, imagesSource } from "../../connectors/index.js";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import { columnOf, encodedImages, imageInfo, objectRefs } from "../../runtime/types/index.js";
import { drain, expectExactReplay, tempDir } from "./helpers.js";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 9, 9]);

describe("filesSource / imagesSource", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await mkdir(join(dir, "img", "sub"), { recursive: true });
    for (let i = 0; i < 7; i++) await writeFile(join(dir, "img", `p${i}.png`), Buffer.concat([PNG, Buffer.from([i])]));
    await writeFile(join(dir, "img", "sub", "q.JPG"), JPEG);
    await writeFile(join(dir, "img", "empty.jpg"), new Uint8Array(0));
    await writeFile(join(dir, "img", "readme.txt"), "not an image");
    await writeFile(join(dir, "img", ".DS_Store"), "x");
  });
  afterAll(() => cleanup());

  it("reads bytes with path and size, one row per file, in path order", async () => {
    const src = filesSource(join(dir, "img", "*.png"));
    const { batches } = await drain(src, undefined, 3);
    expect(batches.map((b) => b.numRows)).toEqual([3, 3, 1]);
    const first = batches[0]!;
    expect(first.schema.fields.map((f) => f.name)).toEqual(["path", "size", "bytes"]);
    expect(first.getChild("path")!.get(1)).toBe(join(dir, "img", "p1.png"));
    expect(first.getChild("size")!.get(1)).toBe(BigInt(PNG.length + 1));
    expect(Array.from(first.getChild("bytes")!.get(1) as Uint8Array)).toEqual([...PNG, 1]);
    expect(String((await src.schema()).fields[2]!.type)).toBe("Binary");
  });

  it("resumes exactly from every position", async () => {
    await expectExactReplay(filesSource(join(dir, "img", "**")), 2);
  });

  it("images: picks image extensions case-insensitively, tags sluice.image, keeps empty files", async () => {
    const src = imagesSource(join(dir, "img"));
    const { batches, rows } = await drain(src, undefined, 100);
    expect(rows).toHaveLength(9); // 7 png + empty.jpg + sub/q.JPG; not readme.txt or .DS_Store
    const col = columnOf(batches[0]!, "image");
    expect(imageInfo(col.field)).toEqual({ encoded: true });
    const images = encodedImages(col);
    expect(images.map((i) => i?.format)).toEqual([undefined, ...Array<string>(7).fill("png"), "jpeg"]);
    expect(images[0]!.bytes.length).toBe(0); // empty.jpg sorts first: decoding will dead-letter it
    await expectExactReplay(src, 4);
  });

  it("object refs: file:// URI, length and content type instead of bytes", async () => {
    const src = imagesSource(join(dir, "img", "sub"), { content: "ref" });
    const { batches } = await drain(src, undefined, 10);
    const refs = objectRefs(columnOf(batches[0]!, "image"));
    expect(refs).toEqual([{ uri: expect.stringMatching(/^file:\/\//), length: JPEG.length, contentType: "image/jpeg" }]);
    expect(fileURLToPath(refs[0]!.uri)).toBe(join(dir, "img", "sub", "q.JPG"));
  });

  it("closes a batch at batchBytes and rejects files over maxFileBytes", async () => {
    const { batches } = await drain(filesSource(join(dir, "img", "p*.png"), { batchBytes: 20 }), undefined, 100);
    expect(batches.map((b) => b.numRows)).toEqual([2, 2, 2, 1]);
    const big = drain(filesSource(join(dir, "img", "p0.png"), { maxFileBytes: 4 }), undefined, 10);
    await expect(big).rejects.toBeInstanceOf(ConnectorError);
    await expect(big).rejects.toThrow(/files\(.*p0\.png: file of 12 bytes exceeds maxFileBytes 4/);
  });

  it("stops on abort with the signal's reason", async () => {
    const ctl = new AbortController();
    const seen: number[] = [];
    const run = (async () => {
      for await (const { batch } of filesSource(join(dir, "img", "*.png")).read(undefined, { batchRows: 1, signal: ctl.signal })) {
        seen.push(batch.numRows);
        ctl.abort(new Error("cancelled"));
      }
    })();
    await expect(run).rejects.toThrow("cancelled");
    expect(seen).toEqual([1]);
  });

  it("rejects a position whose file list no longer matches", async () => {
    const src = filesSource(join(dir, "img", "*.png"));
    await expect(drain(src, { file: 1, path: "/elsewhere/p1.png", offset: 1 }, 2)).rejects.toThrow(/input files changed since this position was taken/);
    await expect(drain(src, { file: -1, path: "x", offset: 0 }, 2)).rejects.toThrow(/invalid source position/);
  });
});
