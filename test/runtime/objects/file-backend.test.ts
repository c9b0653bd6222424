import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchError } from "../../../runtime/api/runtime-errors.js";
import { FileObjectBackend, ObjectStore } from "../../../runtime/objects/index.js";

let dir: string;
let root: string;
let store: ObjectStore;
const url = (p: string): string => pathToFileURL(p).href;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-files-"));
  root = join(dir, "root");
  mkdirSync(join(root, "sub"), { recursive: true });
  writeFileSync(join(root, "a.bin"), Uint8Array.from({ length: 100 }, (_, i) => i));
  writeFileSync(join(root, "sub", "b.txt"), "inside");
  writeFileSync(join(dir, "secret.txt"), "outside");
  symlinkSync(join(dir, "secret.txt"), join(root, "escape-link"));
  symlinkSync(dir, join(root, "escape-dir"));
  symlinkSync(join(root, "sub", "b.txt"), join(root, "inner-link"));
  store = new ObjectStore({ backends: [new FileObjectBackend({ roots: [root] })], maxObjectBytes: 64 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("file:// backend", () => {
  it("reads files inside the root, and follows symlinks that stay inside", async () => {
    expect(new TextDecoder().decode(await store.get(url(join(root, "sub", "b.txt"))))).toBe("inside");
    expect(new TextDecoder().decode(await store.get(url(join(root, "inner-link"))))).toBe("inside");
  });

  it("reads a byte range given by offset and length", async () => {
    const bytes = await store.get({ uri: url(join(root, "a.bin")), offset: 10, length: 5 });
    expect([...bytes]).toEqual([10, 11, 12, 13, 14]);
    const tail = await store.get({ uri: url(join(root, "a.bin")), offset: 60 });
    expect(tail.length).toBe(40);
    expect(tail[0]).toBe(60);
  });

  it("rejects a range past the end of the file", async () => {
    await expect(store.get({ uri: url(join(root, "a.bin")), offset: 98, length: 5 })).rejects.toThrow(/range \[98, 103\) runs past the end of the object \(100 bytes\)/);
  });

  it("rejects `..` escapes", async () => {
    // Built by hand: URL parsing would fold the `..` before we see it.
    const uri = `file://${root}/sub/../../secret.txt`;
    const err = await store.get(uri).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as FetchError).message).toMatch(/secret\.txt is outside the allowed roots/);
    expect((err as FetchError).retriable).toBe(false);
    await expect(store.get(`file://${root}/%2e%2e/secret.txt`)).rejects.toThrow(/outside the allowed roots/);
  });

  it("rejects symlinks that lead outside the root, naming where they resolve", async () => {
    await expect(store.get(url(join(root, "escape-link")))).rejects.toThrow(/escape-link \(resolves to .*secret\.txt\) is outside the allowed roots/);
    await expect(store.get(url(join(root, "escape-dir", "secret.txt")))).rejects.toThrow(/outside the allowed roots/);
  });

  it("rejects a sibling directory that shares the root's name as a prefix", async () => {
    mkdirSync(`${root}-evil`, { recursive: true });
    writeFileSync(join(`${root}-evil`, "x"), "x");
    await expect(store.get(url(join(`${root}-evil`, "x")))).rejects.toThrow(/outside the allowed roots/);
  });

  it("enforces the maximum object size from the file size", async () => {
    await expect(store.get(url(join(root, "a.bin")))).rejects.toThrow(/object is too large: 100 bytes, the limit is 64/);
    // A range within the limit of a larger file is fine.
    expect((await store.get({ uri: url(join(root, "a.bin")), length: 64 })).length).toBe(64);
  });

  it("reports missing files and directories clearly", async () => {
    await expect(store.get(url(join(root, "nope.bin")))).rejects.toThrow(/cannot resolve: no such file/);
    await expect(store.get(url(join(root, "sub")))).rejects.toThrow(/not a regular file/);
  });

  it("refuses construction without roots or with a missing root", () => {
    expect(() => new FileObjectBackend({ roots: [] })).toThrow(/no allowed roots/);
    expect(() => new FileObjectBackend({ roots: [join(dir, "missing")] })).toThrow(/allowed root .*missing.* cannot be resolved \(ENOENT\)/);
  });

  it("names the schemes it serves when asked for another", async () => {
    await expect(store.get("s3://bucket/key")).rejects.toThrow(/no backend for the scheme 's3:' \(this store serves file:\)/);
    await expect(store.get("no-scheme")).rejects.toThrow(/not a URI/);
  });
});
