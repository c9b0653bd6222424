import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeDemoImages } from "../../../runtime/cli/demo-data.js";
import { explainPlan } from "../../../runtime/plan/explain.js";
import type { LogicalPlan, StepNode } from "../../../runtime/plan/logical-plan.js";
import { findOp, registerOp } from "../../../runtime/plan/op-catalog.js";
import { IMAGE_OPS } from "../../../runtime/plan/ops/image-ops.js";
import { planPipeline } from "../../../runtime/plan/planner.js";
import { registerAllOps } from "../../../runtime/plan/register-all-ops.js";
import { runPlan } from "../../../runtime/plan/run-plan.js";
import { fixedShapeTensorView } from "../../../runtime/types/fixed-shape-tensor.js";

/** The image ops through the real planner (until register-all-ops lists them, registered here). */
function registerImageOps(): void {
  registerAllOps();
  for (const def of IMAGE_OPS) if (!findOp(def.name, "transform")) registerOp(def);
}

const step = (op: string, args: Record<string, unknown>, extra: Partial<StepNode> = {}): StepNode => ({ op, name: extra.name ?? op, args, ...extra });

describe("image ops in a planned pipeline", () => {
  it("images → decode → resize → normalize: fused into one step, parallel, bad files dead-lettered", async () => {
    registerImageOps();
    const demo = await writeDemoImages(mkdtempSync(join(tmpdir(), "sluice-image-pipe-")), 9);
    const plan: LogicalPlan = {
      name: "preprocess",
      baseDir: demo.dir,
      source: step("images", { path: "." }),
      steps: [step("decode", {}, { parallelism: 2 }), step("resize", { size: [64, 64], fit: "cover" }, { parallelism: 2 }), step("normalize", { output: "pixel_values" }, { parallelism: 2 })],
      options: { batchRows: 4 },
    };
    const p = await planPipeline(plan, { webgpu: false });
    try {
      expect(p.regions.flatMap((r) => r.steps.map((s) => s.fused))).toEqual([["decode", "resize", "normalize"]]);
      const text = explainPlan(p);
      expect(text).toContain("decode → resize 64×64 cover → normalize (shrink-on-load)");
      expect(text).toMatch(/sharp \+ (wasm|js)/);
      const r = await runPlan(p);
      expect(r.sourceRows).toBe(13);
      expect(r.rowsOut).toBe(9);
      const letters = r.collected!.deadLetters;
      expect(letters.map((l) => String(l.key).split("/").pop()).sort()).toEqual([...demo.corrupt].sort());
      expect(letters.every((l) => l.step === "decode")).toBe(true);
      const table = r.collected!.table;
      expect(table.schema.fields.map((f) => f.name)).toEqual(["path", "size", "image", "pixel_values"]);
      const paths = table.getChild("path")!.toArray() as string[];
      expect(paths.map((x) => x.split("/").pop())).toEqual(Array.from({ length: 9 }, (_, i) => expect.stringMatching(new RegExp(`^img-000${i}\\.`))));
      const pixels = table.batches.map((b) => fixedShapeTensorView({ field: b.schema.fields[3]!, vector: b.getChildAt(3)! }).shape);
      expect(pixels.reduce((n, s) => n + s[0]!, 0)).toBe(9);
      expect(pixels.every((s) => s.slice(1).join() === "3,64,64")).toBe(true);
    } finally {
      await p.session.close();
    }
  }, 60_000);
});
