/** The fused elementwise chain on WebGPU: one shader, one dispatch, the reference's results. */

import { describe, expect, it } from "vitest";
import { INT_BINARY_OPS, INT_UNARY_OPS, type BinaryOp, type ChainStep, type UnaryOp } from "../../../kernels/op-attrs.js";
import { runCpu } from "../../../kernels/registry.js";
import { tensor, type DType, type Tensor } from "../../../kernels/tensor.js";
import { chainCanonicalText } from "../../../kernels/webgpu/elementwise-chain.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { EDGE_LENGTHS, randomShape, randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectGpuMatchesJs, runGpu, webgpuForTests } from "../../helpers/webgpu.js";

const gpu = await webgpuForTests();

/** Ops whose f32 results are correctly rounded on both sides, so chains with casts match exactly. */
const EXACT_UNARY: UnaryOp[] = ["abs", "neg", "relu"];
const EXACT_BINARY: BinaryOp[] = ["add", "sub", "mul", "div", "min", "max"];

interface Chain {
  inputs: Tensor[];
  steps: ChainStep[];
}

/** A random valid chain of `n` steps over exact ops, with casts between all dtypes and extra inputs. */
function randomChain(r: () => number, shape: readonly number[], n: number, transcendental = false): Chain {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const first: DType = transcendental ? "f32" : pick(["f32", "i32", "u8"] as const);
  const inputs: Tensor[] = [randomTensor(first, shape, r, { range: first === "f32" ? [-4, 4] : [-20, 20], special: transcendental ? 0 : 0.02 })];
  const steps: ChainStep[] = [];
  let cur = first;
  for (let s = 0; s < n; s++) {
    const roll = r();
    if (cur === "u8" || (!transcendental && roll < 0.18)) {
      const to: DType = cur === "u8" ? pick(["f32", "i32"] as const) : pick(["f32", "i32", "u8"] as const);
      steps.push({ op: "cast", to });
      cur = to;
    } else if (roll < 0.3) {
      const a = Math.round((r() * 10 - 5) * 4) / 4;
      steps.push(r() < 0.5 ? { op: "clamp", min: a, max: a + r() * 6 } : r() < 0.5 ? { op: "clamp", min: a } : { op: "clamp", max: a });
    } else if (roll < 0.5) {
      const ops: UnaryOp[] = cur === "i32" ? INT_UNARY_OPS.slice() : transcendental ? ["sqrt", "exp", "log", "sigmoid", "tanh", "abs", "neg"] : EXACT_UNARY;
      steps.push({ op: pick(ops) });
    } else {
      const ops: BinaryOp[] = cur === "i32" ? INT_BINARY_OPS.slice() : transcendental ? ["add", "mul", "pow", "max"] : EXACT_BINARY;
      const op = pick(ops);
      const reversed = r() < 0.3;
      if (r() < 0.35 && inputs.length < 4) {
        inputs.push(randomTensor(cur, shape, r, { range: [-6, 6] }));
        steps.push({ op, input: inputs.length - 1, reversed });
      } else {
        const scalar = op === "pow" ? pick([2, 0.5, 3, -1]) : cur === "i32" ? Math.floor(r() * 13) - 6 : pick([1.5, -2, 0.1, 3, -0.25, 255, Infinity]);
        steps.push({ op, scalar, reversed });
      }
    }
  }
  return { inputs, steps };
}

describe.skipIf(!gpu)("webgpu elementwiseChain", () => {
  it("a 5-op chain runs as exactly one dispatch and matches the reference and the unfused ops", async () => {
    const r = rng(51);
    const x = randomTensor("u8", [3, 37, 5], r);
    const steps: ChainStep[] = [
      { op: "cast", to: "f32" },
      { op: "mul", scalar: 1 / 255 },
      { op: "sub", scalar: 0.5 },
      { op: "div", scalar: 0.25 },
      { op: "clamp", min: -1.5, max: 1.5 },
    ];
    const before = gpu!.stats;
    const [fused] = await gpu!.run("elementwiseChain", [x], { steps });
    expect(gpu!.stats.dispatches - before.dispatches).toBe(1);
    const actual = await gpu!.read(fused!);
    gpu!.release(fused!);
    expectTensorClose(actual, runCpu("elementwiseChain", "js", [x], { steps })[0]!, { atol: 0, rtol: 0 });

    // The same steps unfused: five dispatches, intermediates stay on the device, same values.
    const mid = gpu!.stats;
    let t = (await gpu!.run("cast", [x], { to: "f32" }))[0]!;
    for (const [op, s] of [["mul", 1 / 255], ["sub", 0.5], ["div", 0.25]] as const) {
      const next = (await gpu!.run(op, [t, tensor("f32", [], [s])], {}))[0]!;
      gpu!.release(t);
      t = next;
    }
    const clamped = (await gpu!.run("clamp", [t], { min: -1.5, max: 1.5 }))[0]!;
    gpu!.release(t);
    expect(gpu!.stats.dispatches - mid.dispatches).toBe(5);
    expect(gpu!.stats.bytesReadBack).toBe(mid.bytesReadBack);
    expectTensorClose(await gpu!.read(clamped), actual, { atol: 0, rtol: 0 });
    gpu!.release(clamped);
  });

  it("random chains over every dtype, with extra inputs, reversed operands and casts", async () => {
    const r = rng(52);
    for (let i = 0; i < 30; i++) {
      const shape = i < 10 ? [EDGE_LENGTHS[i + 1]!] : randomShape(i % 4, r, 11, 2000);
      const { inputs, steps } = randomChain(r, shape, 5 + (i % 4));
      await expectGpuMatchesJs(gpu!, "elementwiseChain", inputs, { steps }, { atol: 1e-6, rtol: 1e-6 }, chainCanonicalText(steps));
    }
  });

  it("random f32 chains with transcendental steps", async () => {
    const r = rng(53);
    for (let i = 0; i < 20; i++) {
      const { inputs, steps } = randomChain(r, randomShape(1 + (i % 3), r, 9, 500), 5, true);
      await expectGpuMatchesJs(gpu!, "elementwiseChain", inputs, { steps }, { atol: 1e-5, rtol: 2e-4 }, chainCanonicalText(steps));
    }
  });

  it("chains ending in u8 write whole words at lengths not a multiple of 4, and empty tensors", async () => {
    const r = rng(54);
    const steps: ChainStep[] = [{ op: "mul", scalar: 40 }, { op: "add", scalar: 100 }, { op: "cast", to: "u8" }];
    for (const n of EDGE_LENGTHS) await expectGpuMatchesJs(gpu!, "elementwiseChain", [randomTensor("f32", [n], r, { range: [-5, 5] })], { steps });
  });

  it("one pipeline per chain text: reused across shapes, a different scalar compiles anew", async () => {
    const r = rng(55);
    const steps: ChainStep[] = [{ op: "add", scalar: 0.125 }, { op: "relu" }, { op: "sqrt" }, { op: "neg" }, { op: "max", scalar: -1 }];
    const s0 = gpu!.stats;
    await runGpu(gpu!, "elementwiseChain", [randomTensor("f32", [7], r)], { steps });
    await runGpu(gpu!, "elementwiseChain", [randomTensor("f32", [3, 50], r)], { steps });
    const s1 = gpu!.stats;
    expect(s1.pipelinesCompiled - s0.pipelinesCompiled).toBe(1);
    expect(s1.cacheHits - s0.cacheHits).toBe(1);
    await runGpu(gpu!, "elementwiseChain", [randomTensor("f32", [7], r)], { steps: [{ op: "add", scalar: 0.25 }, ...steps.slice(1)] });
    expect(gpu!.stats.pipelinesCompiled - s1.pipelinesCompiled).toBe(1);
  });
});
