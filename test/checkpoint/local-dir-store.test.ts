import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CheckpointError,
  LocalDirStore,
  MANIFEST_FILE,
  assertCompatible,
  type Checkpoint,
  type CheckpointPart,
} from "../../checkpoint/index.js";
import { SluiceError } from "../../kernels/errors.js";

let root: string;
let dir: string;
let warnings: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "sluice-chk-"));
  dir = join(root, "checkpoints");
  warnings = [];
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function store(keep?: number): LocalDirStore {
  return new LocalDirStore(dir, { keep, warn: (message) => warnings.push(message) });
}

function checkpoint(id: number, parts: Record<string, CheckpointPart> = { source: { offset: id * 10 } }): Checkpoint {
  return { id, createdAt: 1_700_000_000_000 + id, pipeline: "thumbs", planFingerprint: "fp-1", parts };
}

const chkDir = (id: number) => join(dir, `chk-${String(id).padStart(12, "0")}`);

async function manifestOf(id: number): Promise<{ parts: Array<{ name: string; file: string; bytes: number; sha256: string }> } & Record<string, unknown>> {
  return JSON.parse(await readFile(join(chkDir(id), MANIFEST_FILE), "utf8"));
}

async function partFile(id: number, name: string): Promise<string> {
  const part = (await manifestOf(id)).parts.find((p) => p.name === name);
  if (!part) throw new Error(`no part ${name}`);
  return join(chkDir(id), part.file);
}

describe("LocalDirStore", () => {
  it("round-trips JSON and binary parts, with a manifest of sizes and checksums", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255, 7]);
    const parts = {
      source: { file: "a.parquet", row: 42, done: false, tags: ["x", null] },
      "region/gpu:1": bytes,
      "..": "odd names stay names",
      empty: new Uint8Array(0),
    };
    const info = await store().write(checkpoint(1, parts));
    expect(info.id).toBe(1);
    expect(info.location).toBe(chkDir(1));
    expect(info.store).toBe(dir);
    expect(info.bytes).toBe(info.partInfo.reduce((s, p) => s + p.bytes, 0));
    expect(info.partInfo.map((p) => [p.name, p.kind])).toEqual([
      ["source", "json"],
      ["region/gpu:1", "binary"],
      ["..", "json"],
      ["empty", "binary"],
    ]);

    const loaded = await store().latest();
    expect(loaded?.id).toBe(1);
    expect(loaded?.pipeline).toBe("thumbs");
    expect(loaded?.planFingerprint).toBe("fp-1");
    expect(loaded?.createdAt).toBe(1_700_000_000_001);
    expect(loaded?.parts.source).toEqual(parts.source);
    expect(loaded?.parts[".."]).toBe("odd names stay names");
    const bin = loaded?.parts["region/gpu:1"];
    expect(bin).toBeInstanceOf(Uint8Array);
    expect(Array.from(bin as Uint8Array)).toEqual([0, 1, 2, 250, 255, 7]);
    expect((loaded?.parts.empty as Uint8Array).byteLength).toBe(0);

    // Only the checkpoint directory remains (no temp dir), with one file per part plus the manifest.
    expect(await readdir(dir)).toEqual(["chk-000000000001"]);
    const files = (await readdir(chkDir(1))).sort();
    expect(files).toHaveLength(5);
    expect(files).toContain(MANIFEST_FILE);
    expect(files.filter((f) => f.endsWith(".bin"))).toHaveLength(2);
    expect(files.filter((f) => f.endsWith(".json") && f !== MANIFEST_FILE)).toHaveLength(2);
    const manifest = await manifestOf(1);
    expect(manifest.version).toBe(1);
    expect(manifest.id).toBe(1);
    for (const part of manifest.parts) {
      const data = await readFile(join(chkDir(1), part.file));
      expect(part.bytes).toBe(data.byteLength);
      expect(part.sha256).toBe(createHash("sha256").update(data).digest("hex"));
    }
    expect(warnings).toEqual([]);
  });

  it("requires increasing ids, and latest() picks the newest", async () => {
    const s = store();
    expect(await s.nextId()).toBe(1);
    await s.write(checkpoint(1));
    await s.write(checkpoint(2));
    await s.write(checkpoint(5));
    expect(await s.nextId()).toBe(6);
    const latest = await s.latest();
    expect(latest?.id).toBe(5);
    expect(latest?.parts.source).toEqual({ offset: 50 });
    expect((await s.list()).map((c) => c.id)).toEqual([1, 2, 5]);
    expect((await s.read(2)).parts.source).toEqual({ offset: 20 });

    await expect(s.write(checkpoint(5))).rejects.toThrow(/next id must be at least 6/);
    await expect(s.write(checkpoint(3))).rejects.toBeInstanceOf(CheckpointError);
    await expect(s.write(checkpoint(0))).rejects.toThrow(/positive whole number/);
    await expect(s.read(4)).rejects.toThrow(/no checkpoint 4/);
    expect((await readdir(dir)).sort()).toEqual(["chk-000000000001", "chk-000000000002", "chk-000000000005"]);
  });

  it("keeps only the newest N checkpoints after each write, and prune(keep) on request", async () => {
    const s = store(2);
    for (const id of [1, 2, 3, 4]) await s.write(checkpoint(id));
    expect((await readdir(dir)).sort()).toEqual(["chk-000000000003", "chk-000000000004"]);
    expect((await s.list()).map((c) => c.id)).toEqual([3, 4]);

    await s.prune(1);
    expect(await readdir(dir)).toEqual(["chk-000000000004"]);
    await expect(s.prune(0)).rejects.toBeInstanceOf(CheckpointError);
    expect(() => new LocalDirStore(dir, { keep: 1.5 })).toThrow(CheckpointError);

    const three = store();
    for (const id of [5, 6, 7, 8]) await three.write(checkpoint(id));
    expect((await three.list()).map((c) => c.id)).toEqual([6, 7, 8]);
  });

  const corruptions: Array<[string, (id: number) => Promise<void>, RegExp]> = [
    [
      "a flipped byte in a part",
      async (id) => {
        const path = await partFile(id, "blob");
        const data = await readFile(path);
        data[3] = data[3]! ^ 0xff;
        await writeFile(path, data);
      },
      /part 'blob'.*SHA-256/,
    ],
    ["a truncated part", async (id) => truncate(await partFile(id, "blob"), 5), /part 'blob'.*5 bytes.*says 16/],
    ["a missing part file", async (id) => rm(await partFile(id, "source")), /part 'source'.*missing/],
    ["a deleted manifest", async (id) => rm(join(chkDir(id), MANIFEST_FILE)), /manifest is missing/],
    ["a garbage manifest", async (id) => writeFile(join(chkDir(id), MANIFEST_FILE), "{not json"), /manifest is not valid JSON/],
    [
      "a manifest of another version",
      async (id) => {
        const manifest = await manifestOf(id);
        await writeFile(join(chkDir(id), MANIFEST_FILE), JSON.stringify({ ...manifest, version: 99 }));
      },
      /version 99/,
    ],
    [
      "hand-edited manifest metadata",
      async (id) => {
        const manifest = await manifestOf(id);
        await writeFile(join(chkDir(id), MANIFEST_FILE), JSON.stringify({ ...manifest, planFingerprint: "fp-x" }));
      },
      /manifest fails its own SHA-256/,
    ],
  ];

  for (const [what, corrupt, reason] of corruptions) {
    it(`skips a newest checkpoint with ${what}, warning, and returns the previous one`, async () => {
      const s = store();
      const blob = (id: number) => new Uint8Array(16).fill(id);
      await s.write(checkpoint(1, { source: { offset: 10 }, blob: blob(1) }));
      await s.write(checkpoint(2, { source: { offset: 20 }, blob: blob(2) }));
      await corrupt(2);

      const loaded = await s.latest();
      expect(loaded?.id).toBe(1);
      expect(loaded?.parts.source).toEqual({ offset: 10 });
      expect(Array.from(loaded?.parts.blob as Uint8Array)).toEqual(Array.from(blob(1)));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(chkDir(2));
      expect(warnings[0]).toMatch(reason);

      // read() of the corrupt one is an error with the same reason; list() leaves it out.
      await expect(s.read(2)).rejects.toThrow(reason);
      expect((await s.list()).map((c) => c.id)).toEqual([1]);
      // The corrupt id still counts, so the next write cannot reuse it.
      expect(await s.nextId()).toBe(3);
    });
  }

  it("returns undefined, warning about each, when every checkpoint is corrupt", async () => {
    const s = store();
    await s.write(checkpoint(1));
    await s.write(checkpoint(2));
    await rm(join(chkDir(1), MANIFEST_FILE));
    await writeFile(join(chkDir(2), MANIFEST_FILE), "garbage");
    expect(await s.latest()).toBeUndefined();
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(chkDir(2));
    expect(warnings[1]).toContain(chkDir(1));
  });

  it("ignores foreign files and dirs with one warning", async () => {
    const s = store();
    await s.write(checkpoint(1));
    await writeFile(join(dir, "notes.txt"), "hi");
    await mkdir(join(dir, "other"));
    await mkdir(join(dir, "chk-abc"));
    await writeFile(join(dir, "chk-000000000009"), "a file, not a checkpoint dir");

    expect((await s.latest())?.id).toBe(1);
    expect(warnings).toHaveLength(1);
    for (const name of ["notes.txt", "other", "chk-abc", "chk-000000000009"]) expect(warnings[0]).toContain(name);
    expect(await s.nextId()).toBe(2);
    await s.latest();
    expect(warnings).toHaveLength(1);
    expect(await readFile(join(dir, "notes.txt"), "utf8")).toBe("hi");
  });

  it("removes stale temp dirs on recovery and after a write", async () => {
    const s = store();
    await s.write(checkpoint(1));
    await mkdir(join(dir, ".tmp-2-abcdef"));
    await writeFile(join(dir, ".tmp-2-abcdef", "0-source.json"), "{}");
    expect((await s.latest())?.id).toBe(1);
    expect(await readdir(dir)).toEqual(["chk-000000000001"]);
    expect(warnings.some((w) => w.includes(".tmp-2-abcdef"))).toBe(true);

    await mkdir(join(dir, ".tmp-3-123456"));
    await s.write(checkpoint(4));
    expect((await readdir(dir)).sort()).toEqual(["chk-000000000001", "chk-000000000004"]);
  });

  it("treats a missing directory as nothing to resume, and write() creates it", async () => {
    const s = new LocalDirStore(join(dir, "nested", "deeper"), { warn: (m) => warnings.push(m) });
    expect(await s.latest()).toBeUndefined();
    expect(await s.list()).toEqual([]);
    expect(await s.nextId()).toBe(1);
    await s.prune(1);
    expect(warnings).toEqual([]);
    await s.write(checkpoint(1));
    expect((await s.latest())?.id).toBe(1);
  });

  it("rejects a part that is not JSON, leaving nothing behind", async () => {
    const s = store();
    await s.write(checkpoint(1));
    const bad = checkpoint(2, { ok: 1, bad: undefined as unknown as CheckpointPart });
    await expect(s.write(bad)).rejects.toThrow(/part 'bad' is neither JSON nor a Uint8Array/);
    expect(await readdir(dir)).toEqual(["chk-000000000001"]);
  });

  it("reports an I/O failure as a non-retriable CheckpointError naming the path", async () => {
    // The store's directory cannot be created under a regular file.
    await writeFile(join(root, "not-a-dir"), "");
    const broken = new LocalDirStore(join(root, "not-a-dir", "checkpoints"), { warn: (m) => warnings.push(m) });
    const error = await broken.write(checkpoint(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).retriable).toBe(false);
    expect((error as CheckpointError).message).toContain(join(root, "not-a-dir", "checkpoints"));
    await expect(broken.latest()).rejects.toBeInstanceOf(CheckpointError);
  });
});

describe("assertCompatible", () => {
  it("passes a matching fingerprint and explains a mismatch", async () => {
    const s = store();
    await s.write({ ...checkpoint(7), planFingerprint: "abc123" });
    const loaded = await s.latest();
    if (!loaded) throw new Error("expected a checkpoint");
    expect(() => assertCompatible(loaded, "abc123")).not.toThrow();

    let error: unknown;
    try {
      assertCompatible(loaded, "def456");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckpointError);
    expect(error).toBeInstanceOf(SluiceError);
    const e = error as CheckpointError;
    expect(e.retriable).toBe(false);
    expect(e.message).toContain("checkpoint 7");
    expect(e.message).toContain("'thumbs'");
    expect(e.message).toContain("operators changed since checkpoint 7");
    expect(e.message).toContain("abc123");
    expect(e.message).toContain("def456");
    expect(e.message).toContain(`delete the checkpoint directory ${dir}`);
    expect(e.message).toContain("new one");
  });
});
