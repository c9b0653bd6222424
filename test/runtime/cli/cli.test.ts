import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../../runtime/cli/main.js";
import { formatTable } from "../../../runtime/cli/table.js";

function capture() {
  const out: string[] = [], err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  vi.spyOn(console, "warn").mockImplementation(() => {});
  return { out, err };
}

afterEach(() => vi.restoreAllMocks());

describe("sluice CLI", () => {
  it("rejects unknown commands and options with exit code 2 / 1 and a message", async () => {
    const c = capture();
    expect(await main(["frobnicate"])).toBe(2);
    expect(c.err.join("\n")).toMatch(/unknown command 'frobnicate'/);
    expect(await main(["devices", "--jsn"])).toBe(1);
    expect(c.err.join("\n")).toMatch(/unknown option --jsn \(known: --out, --json\)/);
    expect(await main(["bench", "nothing"])).toBe(1);
    expect(c.err.join("\n")).toMatch(/unknown benchmark 'nothing'/);
  });

  it("devices --json reports wasm SIMD and a default choice", async () => {
    const c = capture();
    expect(await main(["devices", "--json"])).toBe(0);
    const report = JSON.parse(c.out.join("\n"));
    expect(report.wasm).toMatchObject({ available: true, simd: true });
    expect(["js", "wasm", "webgpu"]).toContain(report.defaults.large);
    if (process.env.CI) expect(report.webgpu.available).toBe(true);
  });

  it("demo runs every step and checks it against the reference", async () => {
    const c = capture();
    expect(await main(["demo", "--kernels", "--backend", "wasm"])).toBe(0);
    const text = c.out.join("\n");
    expect(text).toMatch(/resize 1080p → 224×224 \(antialias\)\s+wasm/);
    expect(text).toMatch(/all steps match the JS reference/);
  });

  it("formats tables with aligned columns", () => {
    const t = formatTable([["a", 1.5], ["bbb", 10]], { columns: ["name", "value"] });
    expect(t.split("\n")).toEqual(["  name  value", "  ────  ─────", "  a      1.50", "  bbb      10"]);
  });
});
