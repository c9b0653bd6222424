import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Field, Int32, Utf8, vectorFromArray, type RecordBatch, type Schema } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { BINARY_OPS, UNARY_OPS, type BinaryOp, type ChainStep, type UnaryOp } from "../../../kernels/op-attrs.js";
import type { DType, Tensor } from "../../../kernels/tensor.js";
import type { KernelRunner } from "../../../runtime/functions/kernel-runner.js";
import type { OpDefinition, PlannedTransform } from "../../../runtime/plan/op-definition.js";
import { describeChain } from "../../../runtime/plan/ops/elementwise-plan.js";
import { TENSOR_OPS } from "../../../runtime/plan/ops/tensor-ops.js";
import {
  columnOf,
  embeddingColumn,
  embeddingInfo,
  fixedShapeTensorAsTensor,
  fixedShapeTensorColumn,
  fixedShapeTensorField,
  fixedShapeTensorInfo,
  recordBatchFromColumns,
  type ExtensionColumn,
} from "../../../runtime/types/index.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { runOperator, testContext, testStep } from "../../helpers/plan-step.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-tensor-ops-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const opDef = (name: string): OpDefinition => {
  const def = TENSOR_OPS.find((d) => d.name === name);
  if (!def) throw new Error(`no op ${name}`);
  return def;
};

/** Plans `name` as step `stepName`, recording every kernel call its operators make into `calls`. */
async function plan(name: string, args: Record<string, unknown>, input: Schema, calls: string[] = [], stepName = name): Promise<PlannedTransform> {
  const def = opDef(name);
  if (def.kind !== "transform") throw new Error(`${name} is not a transform`);
  const ctx = await testContext(testStep(name, args, { name: stepName }));
  const kernels: KernelRunner = {
    run: (op, inputs, attrs) => {
      calls.push(op);
      return ctx.kernels.run(op, inputs, attrs);
    },
  };
  return def.plan(args, input, { ...ctx, kernels });
}

async function run(t: PlannedTransform, batches: readonly RecordBatch[]): Promise<RecordBatch[]> {
  return (await runOperator(t.create(), batches)).out;
}

const ids = (n: number, from = 0): ExtensionColumn => ({
  field: new Field("id", new Utf8(), false),
  vector: vectorFromArray(Array.from({ length: n }, (_, i) => `r${from + i}`), new Utf8()),
});

function batchOf(columns: Record<string, Tensor>, rows: number, valid?: boolean[]): RecordBatch {
  return recordBatchFromColumns([ids(rows), ...Object.entries(columns).map(([name, t]) => fixedShapeTensorColumn(name, t, valid ? { valid } : {}))]);
}

const tensorOf = (batch: RecordBatch, name: string): Tensor => fixedShapeTensorAsTensor(columnOf(batch, name));

const mapT = (t: Tensor, dtype: DType, f: (v: number, i: number) => number): Tensor =>
  ({ dtype, shape: [...t.shape], data: (dtype === "f32" ? Float32Array : dtype === "i32" ? Int32Array : Uint8Array).from(Array.from(t.data as ArrayLike<number>, (v, i) => f(v, i))) }) as Tensor;

const BINARY_REF: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  min: (a, b) => Math.min(a, b),
  max: (a, b) => Math.max(a, b),
  pow: (a, b) => a ** b,
};

const UNARY_REF: Record<UnaryOp, (x: number) => number> = {
  abs: Math.abs,
  neg: (x) => -x,
  sqrt: Math.sqrt,
  exp: Math.exp,
  log: Math.log,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  relu: (x) => Math.max(x, 0),
};

const ROWS = 5;
const SHAPE = [3, 4];
const TOL = { atol: 1e-6, rtol: 1e-5 };

describe("elementwise ops against plain JS", () => {
  const rand = rng(11);
  // Positive operands keep pow, sqrt and log real-valued, so the comparison checks numbers, not NaN placement.
  const x = randomTensor("f32", [ROWS, ...SHAPE], rand, { range: [0.1, 4] });
  const y = randomTensor("f32", [ROWS, ...SHAPE], rand, { range: [0.1, 4] });
  const input = batchOf({ x, y }, ROWS);

  it.each(BINARY_OPS)("%s with a value, reversed, and with an operand column", async (op) => {
    const ref = BINARY_REF[op];
    const [byValue] = await run(await plan(op, { column: "x", value: 1.5 }, input.schema), [input]);
    expectTensorClose(tensorOf(byValue!, "x"), mapT(x, "f32", (v) => ref(v, 1.5)), TOL, `${op} value`);
    // In place: same columns in the same order, the others untouched.
    expect(byValue!.schema.fields.map((f) => f.name)).toEqual(["id", "x", "y"]);
    expect(byValue!.getChild("id")!.toArray()).toEqual(input.getChild("id")!.toArray());
    expectTensorClose(tensorOf(byValue!, "y"), y);

    const [rev] = await run(await plan(op, { column: "x", value: 1.5, reversed: true }, input.schema), [input]);
    expectTensorClose(tensorOf(rev!, "x"), mapT(x, "f32", (v) => ref(1.5, v)), TOL, `${op} reversed`);

    const [byCol] = await run(await plan(op, { column: "x", other: "y", output: "z" }, input.schema), [input]);
    expect(byCol!.schema.fields.map((f) => f.name)).toEqual(["id", "x", "y", "z"]);
    expectTensorClose(tensorOf(byCol!, "z"), mapT(x, "f32", (v, i) => ref(v, y.data[i]!)), TOL, `${op} column`);
    expectTensorClose(tensorOf(byCol!, "x"), x);
  });

  it.each(UNARY_OPS)("%s", async (op) => {
    const signed = randomTensor("f32", [ROWS, ...SHAPE], rng(5), { range: [-3, 3] });
    const b = batchOf({ x: signed }, ROWS);
    const [out] = await run(await plan(op, { column: "x" }, b.schema), [b]);
    // log and sqrt of negatives are NaN on both sides; the comparison matches NaN with NaN.
    expectTensorClose(tensorOf(out!, "x"), mapT(signed, "f32", UNARY_REF[op]), TOL, op);
  });

  it("clamp and cast follow their documented rules (cast truncates, saturates, NaN → 0)", async () => {
    const t: Tensor = { dtype: "f32", shape: [2, 4], data: Float32Array.of(-3.7, 300.2, NaN, 12.9, 0.5, -0.5, 255.9, 1e10) };
    const b = batchOf({ x: t }, 2);
    const [clamped] = await run(await plan("clamp", { column: "x", min: 0, max: 100 }, b.schema), [b]);
    expect([...tensorOf(clamped!, "x").data]).toEqual([0, 100, NaN, Math.fround(12.9), 0.5, 0, 100, 100]);
    const castPlan = await plan("cast", { column: "x", to: "u8" }, b.schema);
    expect(fixedShapeTensorInfo(castPlan.output.fields[1]!).dtype).toBe("u8");
    const [cast] = await run(castPlan, [b]);
    const u8 = tensorOf(cast!, "x");
    expect(u8.dtype).toBe("u8");
    expect([...u8.data]).toEqual([0, 255, 0, 12, 0, 0, 255, 255]);
  });

  it("i32 columns take the integer ops and keep their dtype", async () => {
    const t = randomTensor("i32", [4, 6], rng(3), { range: [-50, 50] });
    const b = batchOf({ x: t }, 4);
    const [out] = await run(await plan("div", { column: "x", value: 7 }, b.schema), [b]);
    expectTensorClose(tensorOf(out!, "x"), mapT(t, "i32", (v) => Math.trunc(v / 7)));
    const [r] = await run(await plan("relu", { column: "x" }, b.schema), [b]);
    expectTensorClose(tensorOf(r!, "x"), mapT(t, "i32", (v) => Math.max(v, 0)));
  });

  it("null rows stay null; the other rows are computed", async () => {
    const t = randomTensor("f32", [3, 2], rng(8));
    const b = batchOf({ x: t }, 3, [true, false, true]);
    const [out] = await run(await plan("mul", { column: "x", value: 2 }, b.schema), [b]);
    const col = out!.getChild("x")!;
    expect([0, 1, 2].map((i) => col.isValid(i))).toEqual([true, false, true]);
    const got = tensorOf(out!, "x").data;
    for (const i of [0, 1, 4, 5]) expect(got[i]).toBeCloseTo(t.data[i]! * 2, 5);
  });
});

describe("dtype, shape and argument errors at plan time name the step", () => {
  const f32 = batchOf({ x: randomTensor("f32", [2, 3], rng(1)), wide: randomTensor("f32", [2, 4], rng(2)) }, 2).schema;
  const i32 = batchOf({ x: randomTensor("i32", [2, 3], rng(1)) }, 2).schema;

  it("an op not defined on i32 is refused, with the cast to add", async () => {
    await expect(plan("sqrt", { column: "x" }, i32, [], "root")).rejects.toThrow(/step 'root': sqrt is not defined on i32 tensors in column 'x'; add a cast step/);
    await expect(plan("pow", { column: "x", value: 2 }, i32)).rejects.toThrow(/step 'pow': pow is not defined on i32/);
    await expect(plan("add", { column: "x", value: 0.5 }, i32)).rejects.toThrow(/step 'add': value 0.5 is not an integer, and column 'x' is i32/);
  });

  it("dtype flows through cast: after a cast to i32, float-only ops are refused", async () => {
    const cast = await plan("cast", { column: "x", to: "i32" }, f32);
    await expect(plan("exp", { column: "x" }, cast.output, [], "exp-after-cast")).rejects.toThrow(/step 'exp-after-cast': exp is not defined on i32/);
    const back = await plan("cast", { column: "x", to: "f32" }, cast.output);
    await expect(plan("exp", { column: "x" }, back.output)).resolves.toBeDefined();
  });

  it("operand columns must match in shape and dtype; columns must exist and be tensors", async () => {
    await expect(plan("add", { column: "x", other: "wide" }, f32)).rejects.toThrow(/step 'add': column 'wide' has rows of shape \[4\] but 'x' has \[3\]/);
    await expect(plan("add", { column: "nope", value: 1 }, f32)).rejects.toThrow(/step 'add': column 'nope' does not exist \(columns: id, x, wide\)/);
    await expect(plan("add", { column: "id", value: 1 }, f32)).rejects.toThrow(/step 'add': column 'id' is Utf8, not a tensor column/);
    await expect(plan("add", { column: "x" }, f32)).rejects.toThrow(/needs an operand/);
    await expect(plan("clamp", { column: "x", min: 2, max: 1 }, f32)).rejects.toThrow(/step 'clamp': min 2 is above max 1/);
    await expect(plan("softmax", { column: "x" }, i32)).rejects.toThrow(/step 'softmax': column 'x' is i32; softmax takes f32 tensors/);
    await expect(plan("softmax", { column: "x", axis: 1 }, f32)).rejects.toThrow(/step 'softmax': axis 1 is out of range for rows of shape \[3\]/);
    await expect(plan("topk", { column: "x", k: 4, outputs: { values: "v", indices: "i" } }, f32)).rejects.toThrow(/step 'topk': k = 4 is more than the 3 values/);
  });
});

describe("fusion", () => {
  const rand = rng(21);
  const x = randomTensor("f32", [ROWS, ...SHAPE], rand);
  const y = randomTensor("f32", [ROWS, ...SHAPE], rand);
  const batches = [batchOf({ x, y }, ROWS), batchOf({ x: randomTensor("f32", [3, ...SHAPE], rand), y: randomTensor("f32", [3, ...SHAPE], rand) }, 3)];

  /** Plans steps in sequence, fuses them left to right, and returns both forms. */
  async function chain(steps: [string, Record<string, unknown>][], calls: string[]) {
    const planned: PlannedTransform[] = [];
    let schema = batches[0]!.schema;
    for (const [i, [op, args]] of steps.entries()) {
      const p = await plan(op, args, schema, i === 0 ? calls : [], `${op}-${i}`);
      planned.push(p);
      schema = p.output;
    }
    let fused: PlannedTransform | undefined = planned[0]!;
    for (const [i, next] of planned.slice(1).entries()) fused = fused?.fuse?.(next, testStep(steps[i + 1]![0], steps[i + 1]![1], { name: `${steps[i + 1]![0]}-${i + 1}` }));
    return { planned, fused };
  }

  async function unfused(planned: PlannedTransform[]): Promise<RecordBatch[]> {
    let out = [...batches];
    for (const p of planned) out = await run(p, out);
    return out;
  }

  it("sub → mul → relu is one elementwiseChain call per batch, equal to the unfused steps", async () => {
    const calls: string[] = [];
    const { planned, fused } = await chain([["sub", { column: "x", value: 0.5 }], ["mul", { column: "x", value: 4 }], ["relu", { column: "x" }]], calls);
    expect(fused).toBeDefined();
    expect(fused!.detail).toBe("x: (x - 0.5) * 4 → relu (3 steps fused, one elementwiseChain call)");
    expect(fused!.fusable).toMatchObject({ kind: "elementwise", column: "x", output: "x" });
    expect(fused!.output).toBe(planned[2]!.output);
    const got = await run(fused!, batches);
    expect(calls).toEqual(["elementwiseChain", "elementwiseChain"]);
    const want = await unfused(planned);
    got.forEach((b, i) => expectTensorClose(tensorOf(b, "x"), tensorOf(want[i]!, "x"), TOL));
    // And against plain JS.
    expectTensorClose(tensorOf(got[0]!, "x"), mapT(x, "f32", (v) => Math.max((Math.fround(v - 0.5)) * 4, 0)), TOL);
  });

  it("operand columns and casts fuse too, with the dtype carried through", async () => {
    const calls: string[] = [];
    const steps: [string, Record<string, unknown>][] = [
      ["mul", { column: "x", other: "y", output: "z" }],
      ["add", { column: "z", other: "x" }],
      ["cast", { column: "z", to: "i32" }],
      ["abs", { column: "z" }],
    ];
    const { planned, fused } = await chain(steps, calls);
    expect(fused).toBeDefined();
    expect(fused!.detail).toBe("x → z: x * y + x → cast i32 → abs (4 steps fused, one elementwiseChain call)");
    expect(fixedShapeTensorInfo(fused!.output.fields.find((f) => f.name === "z")!).dtype).toBe("i32");
    const got = await run(fused!, batches);
    expect(calls).toEqual(["elementwiseChain", "elementwiseChain"]);
    const want = await unfused(planned);
    got.forEach((b, i) => expectTensorClose(tensorOf(b, "z"), tensorOf(want[i]!, "z")));
    expectTensorClose(tensorOf(got[0]!, "x"), x);
  });

  it("explain lines put parentheses where precedence needs them", () => {
    const source = { name: "v", field: fixedShapeTensorField("v", "f32", { shape: [2] }), dtype: "f32" as const, shape: [2] };
    const line = (steps: ChainStep[]): string => describeChain({ source, output: "v", others: [], steps });
    expect(line([{ op: "add", scalar: 1 }, { op: "mul", scalar: 2 }, { op: "sub", scalar: 3 }])).toBe("v: (x + 1) * 2 - 3");
    expect(line([{ op: "sub", scalar: 1 }, { op: "sub", scalar: 10, reversed: true }])).toBe("v: 10 - (x - 1)");
    expect(line([{ op: "mul", scalar: 2 }, { op: "pow", scalar: 2 }, { op: "clamp", min: 0 }, { op: "div", scalar: 4 }])).toBe("v: pow(x * 2, 2) → clamp[0, inf] → x / 4");
  });

  it("does not fuse when the intermediate column is still needed or the backends differ", async () => {
    const schema = batches[0]!.schema;
    const a = await plan("mul", { column: "x", value: 2, output: "z" }, schema);
    const keepsZ = await plan("add", { column: "z", value: 1, output: "w" }, a.output);
    expect(a.fuse!(keepsZ, testStep("add", { column: "z", value: 1, output: "w" }))).toBeUndefined();
    const readsZ = await plan("add", { column: "y", other: "z", output: "z" }, a.output);
    expect(a.fuse!(readsZ, testStep("add", {}))).toBeUndefined();
    const next = await plan("relu", { column: "z" }, a.output);
    expect(a.fuse!(next, testStep("relu", { column: "z" }, { backend: "js" }))).toBeUndefined();
    expect(a.fuse!(next, testStep("relu", { column: "z" }))).toBeDefined();
    const soft = await plan("softmax", { column: "z" }, a.output);
    expect(a.fuse!(soft, testStep("softmax", { column: "z" }))).toBeUndefined();
  });
});

/** Row r of a [rows, n] tensor. */
const rowOf = (t: Tensor, r: number, n: number): number[] => Array.from(t.data.subarray(r * n, (r + 1) * n));

describe("softmax, argmax, topk, lpNormalize against plain JS", () => {
  const rand = rng(31);
  const s = randomTensor("f32", [6, 2, 5], rand, { range: [-4, 4] });
  const input = batchOf({ s }, 6);

  it("softmax over the last axis and over axis 0 of each row", async () => {
    const [last] = await run(await plan("softmax", { column: "s", output: "p" }, input.schema), [input]);
    const want = mapT(s, "f32", (_, i) => {
      const lane = Math.floor(i / 5) * 5;
      const row = Array.from(s.data.subarray(lane, lane + 5));
      const m = Math.max(...row);
      return Math.exp(s.data[i]! - m) / row.reduce((a, v) => a + Math.exp(v - m), 0);
    });
    expectTensorClose(tensorOf(last!, "p"), want, TOL);
    const [first] = await run(await plan("softmax", { column: "s", axis: 0 }, input.schema), [input]);
    const p = tensorOf(first!, "s");
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 5; c++) {
        const a = s.data[r * 10 + c]!, b = s.data[r * 10 + 5 + c]!;
        expect(p.data[r * 10 + c]).toBeCloseTo(Math.exp(a) / (Math.exp(a) + Math.exp(b)), 5);
      }
    }
  });

  it("argmax: a plain i32 column for vector rows, an i32 tensor otherwise", async () => {
    const v = randomTensor("f32", [7, 9], rand);
    const b = batchOf({ v, s: randomTensor("f32", [7, 2, 5], rand) }, 7);
    const planned = await plan("argmax", { column: "v", output: "cls" }, b.schema);
    expect(planned.output.fields.find((f) => f.name === "cls")!.type).toBeInstanceOf(Int32);
    const [out] = await run(planned, [b]);
    const want = Array.from({ length: 7 }, (_, r) => {
      const row = rowOf(v, r, 9);
      return row.indexOf(Math.max(...row));
    });
    expect(Array.from(out!.getChild("cls")!.toArray() as Int32Array)).toEqual(want);
    const [perCol] = await run(await plan("argmax", { column: "s", output: "am", axis: -2 }, b.schema), [b]);
    const am = tensorOf(perCol!, "am");
    expect(am.shape).toEqual([7, 5]);
    const sT = tensorOf(b, "s");
    for (let i = 0; i < 35; i++) {
      const r = Math.floor(i / 5), c = i % 5;
      expect(am.data[i]).toBe(sT.data[r * 10 + c]! >= sT.data[r * 10 + 5 + c]! ? 0 : 1);
    }
  });

  it("topk: the k best values per row, best first, with their indices", async () => {
    const [out] = await run(await plan("topk", { column: "s", k: 3, outputs: { values: "tv", indices: "ti" } }, input.schema), [input]);
    const tv = tensorOf(out!, "tv"), ti = tensorOf(out!, "ti");
    expect(tv.shape).toEqual([6, 2, 3]);
    expect(ti.dtype).toBe("i32");
    for (let lane = 0; lane < 12; lane++) {
      const row = rowOf(s, lane, 5);
      const order = row.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, 3);
      expect(rowOf(tv, lane, 3)).toEqual(order.map((o) => o[0]));
      expect(rowOf(ti, lane, 3)).toEqual(order.map((o) => o[1]));
    }
    const [low] = await run(await plan("topk", { column: "s", k: 1, largest: false, outputs: { values: "lv", indices: "li" } }, input.schema), [input]);
    expect(rowOf(tensorOf(low!, "lv"), 0, 1)[0]).toBe(Math.min(...rowOf(s, 0, 5)));
  });

  it("lpNormalize scales rows to unit norm and keeps an embedding an embedding", async () => {
    const [out] = await run(await plan("lpNormalize", { column: "s" }, input.schema), [input]);
    const n = tensorOf(out!, "s");
    for (let lane = 0; lane < 12; lane++) {
      const row = rowOf(s, lane, 5);
      const norm = Math.hypot(...row);
      rowOf(n, lane, 5).forEach((v, i) => expect(v).toBeCloseTo(row[i]! / norm, 5));
    }
    const raw = randomTensor("f32", [4, 8], rand);
    const emb = recordBatchFromColumns([ids(4), embeddingColumn("e", raw, { metric: "cosine", normalized: false, model: "m" })]);
    const planned = await plan("lpNormalize", { column: "e" }, emb.schema);
    const info = embeddingInfo(planned.output.fields[1]!);
    expect(info).toMatchObject({ dim: 8, normalized: true, model: "m", metric: "cosine" });
    const [e] = await run(planned, [emb]);
    expect(embeddingInfo(e!.schema.fields[1]!).normalized).toBe(true);
  });
});

describe("classify", () => {
  const scores = randomTensor("f32", [5, 4], rng(41), { range: [-3, 3] });
  const input = batchOf({ scores }, 5);
  const labels = ["cat", "dog", "fox", "owl"];

  it("labels and softmax scores of the best class, from a label file", async () => {
    const file = join(dir, "labels.txt");
    writeFileSync(file, labels.join("\n") + "\n");
    const planned = await plan("classify", { column: "scores", labels: file }, input.schema);
    expect(planned.output.fields.map((f) => f.name)).toEqual(["id", "scores", "label", "score"]);
    // Relative label paths resolve against the plan's base directory, which this test sets to `dir`.
    const def = opDef("classify");
    if (def.kind !== "transform") throw new Error();
    const ctx = await testContext(testStep("classify", {}), dir);
    const fromDir = await def.plan({ column: "scores", labels: "labels.txt" }, input.schema, ctx);
    const [out] = await run(fromDir, [input]);
    for (let r = 0; r < 5; r++) {
      const row = rowOf(scores, r, 4);
      const best = row.indexOf(Math.max(...row));
      const z = row.reduce((a, v) => a + Math.exp(v), 0);
      expect(out!.getChild("label")!.get(r)).toBe(labels[best]);
      expect(out!.getChild("score")!.get(r)).toBeCloseTo(Math.exp(row[best]!) / z, 5);
    }
  });

  it("without softmax the score is the raw maximum; names are configurable", async () => {
    const [out] = await run(await plan("classify", { column: "scores", labels, softmax: false, output: "animal", score: "logit" }, input.schema), [input]);
    for (let r = 0; r < 5; r++) expect(out!.getChild("logit")!.get(r)).toBe(Math.max(...rowOf(scores, r, 4)));
    expect(out!.getChild("animal")!.get(0)).toBe(labels[rowOf(scores, 0, 4).indexOf(Math.max(...rowOf(scores, 0, 4)))]);
  });

  it("a label list that does not match the score dimension is a plan error", async () => {
    await expect(plan("classify", { column: "scores", labels: ["a", "b", "c"] }, input.schema, [], "cls")).rejects.toThrow(
      /step 'cls': the label list has 3 labels but column 'scores' scores 4 classes/,
    );
    await expect(plan("classify", { column: "scores", labels: "missing.txt" }, input.schema)).rejects.toThrow(/step 'classify': cannot read label file/);
  });
});
