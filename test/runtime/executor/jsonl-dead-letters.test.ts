import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { JsonlDeadLetters } from "../../../runtime/executor/jsonl-dead-letters.js";

const letter = (key: number) => ({ step: "decode_image", key, reason: "corrupt JPEG", error: "RecordError", at: "2026-01-01T00:00:00.000Z" });

describe("JSONL dead-letter output", () => {
  it("writes one line per record, visible only after finish", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-dl-"));
    const path = join(dir, "out", "dead-letters.jsonl");
    const w = new JsonlDeadLetters(path);
    await w.write([letter(1), letter(2)]);
    await w.write([letter(3)]);
    expect(existsSync(path)).toBe(false);
    await w.finish();
    const lines = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.key)).toEqual([1, 2, 3]);
    expect(lines[0]).toMatchObject({ step: "decode_image", reason: "corrupt JPEG", error: "RecordError" });
    expect(w.count).toBe(3);
  });

  it("creates no file when nothing was rejected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-dl-"));
    const w = new JsonlDeadLetters(join(dir, "dl.jsonl"));
    await w.finish();
    expect(existsSync(join(dir, "dl.jsonl"))).toBe(false);
  });
});
