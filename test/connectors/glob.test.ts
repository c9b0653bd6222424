import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileGlob, expandBraces, hasGlobMagic, matchPath, resolveFiles } from "../../connectors/index.js";
import { ConnectorError } from "../../runtime/api/runtime-errors.js";
import { tempDir } from "./helpers.js";

function matches(pattern: string, path: string, dot = false): boolean {
  return compileGlob(pattern).some((g) => {
    const rel = path.split("/");
    const base = g.base === "" ? [] : g.base.split("/");
    return base.every((b, i) => rel[i] === b) && matchPath(g.segments, rel.slice(base.length), dot);
  });
}

describe("glob patterns", () => {
  it("expands braces in order, nested, across slashes", () => {
    expect(expandBraces("a/{x,y{1,2}}/z")).toEqual(["a/x/z", "a/y1/z", "a/y2/z"]);
    expect(expandBraces("{a/b,c}.txt")).toEqual(["a/b.txt", "c.txt"]);
    expect(expandBraces("\\{a,b}")).toEqual(["\\{a,b}"]);
    expect(() => expandBraces("a{b,c")).toThrow(/unbalanced/);
  });

  it("knows literal paths from globs", () => {
    expect(hasGlobMagic("data/a.jsonl")).toBe(false);
    expect(hasGlobMagic("data/\\*.jsonl")).toBe(false);
    expect(hasGlobMagic("data/*.jsonl")).toBe(true);
    expect(hasGlobMagic("data/{a,b}")).toBe(true);
  });

  it.each([
    ["*.txt", "a.txt", true],
    ["*.txt", "dir/a.txt", false],
    ["**/*.txt", "a.txt", true],
    ["**/*.txt", "x/y/z/a.txt", true],
    ["x/**/a.txt", "x/a.txt", true],
    ["x/**/a.txt", "x/q/r/a.txt", true],
    ["x/**", "x/q/r/a.txt", true],
    ["?.txt", "ab.txt", false],
    ["??.txt", "ab.txt", true],
    ["[ab].txt", "b.txt", true],
    ["[!ab].txt", "b.txt", false],
    ["[a-c]x", "cx", true],
    ["img_{1,2}.png", "img_2.png", true],
    ["img_{1,2}.png", "img_3.png", false],
    ["*.txt", ".hidden.txt", false],
    [".*.txt", ".hidden.txt", true],
    ["**/*.txt", ".git/a.txt", false],
    ["a\\*b", "a*b", true],
    ["a\\*b", "axb", false],
    ["(x).txt", "(x).txt", true],
  ])("%s vs %s → %s", (pattern, path, expected) => {
    expect(matches(pattern, path)).toBe(expected);
  });

  it("lets dot include hidden names", () => {
    expect(matches("**/*.txt", ".git/a.txt", true)).toBe(true);
  });
});

describe("resolveFiles", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    const files = ["b.jsonl", "a.jsonl", "a-c.jsonl", "a/z.jsonl", "a/b/deep.jsonl", "a/notes.txt", ".staging/x.jsonl", "a/.hidden.jsonl", "B.jsonl"];
    for (const f of files) {
      await mkdir(join(dir, f, ".."), { recursive: true });
      await writeFile(join(dir, f), f);
    }
    await symlink(dir, join(dir, "a", "loop")); // a cycle back to the root
  });
  afterAll(() => cleanup());

  const rel = (paths: { path: string }[]): string[] => paths.map((p) => relative(dir, p.path));

  it("sorts segment by segment, by code unit, whatever the listing order", async () => {
    const got = rel(await resolveFiles("t", `${dir}/**/*.jsonl`));
    // a/loop links back to the root: not followed, so the walk ends and lists each file once.
    expect(got).toEqual(["B.jsonl", "a/b/deep.jsonl", "a/z.jsonl", "a-c.jsonl", "a.jsonl", "b.jsonl"]);
  });

  it("walks a directory input recursively with the source's extensions, skipping hidden names", async () => {
    const got = rel(await resolveFiles("t", dir, { extensions: [".jsonl"] }));
    expect(got).toContain("a/b/deep.jsonl");
    expect(got).not.toContain("a/notes.txt");
    expect(got.some((p) => p.includes(".staging") || p.includes(".hidden"))).toBe(false);
    expect(rel(await resolveFiles("t", dir, { extensions: [".jsonl"], recursive: false }))).toEqual(["B.jsonl", "a-c.jsonl", "a.jsonl", "b.jsonl"]);
  });

  it("unions a list of inputs without duplicates", async () => {
    const got = rel(await resolveFiles("t", [`${dir}/a.jsonl`, `${dir}/{a,b}.jsonl`]));
    expect(got).toEqual(["a.jsonl", "b.jsonl"]);
  });

  it("fails clearly on a glob matching nothing, a missing path or a missing base directory", async () => {
    await expect(resolveFiles("jsonl(x)", `${dir}/*.csv`)).rejects.toThrow(/jsonl\(x\).*no files match/);
    await expect(resolveFiles("t", `${dir}/*.csv`, { allowEmpty: true })).resolves.toEqual([]);
    const missing = resolveFiles("t", join(dir, "nope.jsonl"));
    await expect(missing).rejects.toBeInstanceOf(ConnectorError);
    await expect(missing).rejects.toThrow(/nope\.jsonl: cannot read: no such file or directory/);
    await expect(resolveFiles("t", join(dir, "nodir", "*.jsonl"))).rejects.toThrow(/nodir.*no such file/);
    await expect(resolveFiles("t", join(dir, "x{a,b"))).rejects.toThrow(/unbalanced/);
  });

  it("reports the size of each file", async () => {
    const [f] = await resolveFiles("t", join(dir, "a/z.jsonl"));
    expect(f!.size).toBe("a/z.jsonl".length);
  });
});
