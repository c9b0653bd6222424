import { describe, expect, it } from "vitest";
import { BINARY_OPS, INT_BINARY_OPS, INT_UNARY_OPS, UNARY_OPS, type ChainStep } from "../../../kernels/op-attrs.js";
import { chainDtypes } from "../../../kernels/op-specs.js";
import { runCpu } from "../../../kernels/registry.js";
import { tensor, type DType, type Tensor } from "../../../kernels/tensor.js";
import { chainKey, compiledChain } from "../../../kernels/wasm/chain-compiler.js";
import { CHAIN_BLOCK, interpretChain } from "../../../kernels/wasm/elementwise-chain.js";
import { getWasm } from "../../../wasm/loader.js";
import * as codes from "../../../wasm/op-codes.js";
import { WasmTensor } from "../../../kernels/wasm/wasm-tensor.js";
import { expectTensorClose } from "../../helpers/assert-close.js";
import { EDGE_LENGTHS, randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectWasmMatchesJs, useWasm } from "./wasm-conformance.js";

useWasm();

const APPROX = { atol: 1e-5, rtol: 1e-5 };

/** A random valid chain starting from `dtype`, with `extra` extra inputs of each dtype used. */
function randomChain(r: () => number, start: DType, len: number, extra: Record<"f32" | "i32", number>): ChainStep[] {
  const steps: ChainStep[] = [];
  let cur = start;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  while (steps.length < len) {
    if (cur === "u8" || r() < 0.15) {
      const to = pick(["f32", "i32", "u8"] as const);
      steps.push({ op: "cast", to });
      cur = to;
      continue;
    }
    const kind = r();
    if (kind < 0.3) {
      const op = pick(cur === "f32" ? UNARY_OPS.filter((o) => o !== "log" && o !== "sqrt") : INT_UNARY_OPS);
      steps.push({ op });
    } else if (kind < 0.6) {
      const op = pick(cur === "f32" ? BINARY_OPS.filter((o) => o !== "pow") : INT_BINARY_OPS);
      steps.push({ op, scalar: cur === "f32" ? Math.round((r() * 6 - 3) * 100) / 100 || 1.5 : Math.floor(r() * 9) - 4, reversed: r() < 0.3 });
    } else if (kind < 0.8) {
      const op = pick(cur === "f32" ? BINARY_OPS.filter((o) => o !== "pow") : INT_BINARY_OPS);
      steps.push({ op, input: cur === "f32" ? extra.f32 : extra.i32, reversed: r() < 0.3 });
    } else {
      const a = Math.round((r() * 10 - 5) * 4) / 4, b = a + Math.round(r() * 20) / 4;
      steps.push({ op: "clamp", min: r() < 0.2 ? undefined : a, max: r() < 0.2 ? undefined : b });
    }
  }
  return steps;
}

/** The chain's steps run one by one as single wasm ops (the unfused path). */
function runStepByStep(inputs: readonly Tensor[], steps: readonly ChainStep[]): Tensor {
  let x = inputs[0]!;
  let cur = x.dtype;
  const dts = chainDtypes("elementwiseChain", cur, steps, inputs.slice(1));
  steps.forEach((s, i) => {
    let next: Tensor;
    if (s.op === "cast") next = runCpu("cast", "wasm", [x], { to: s.to })[0]!;
    else if (s.op === "clamp") next = runCpu("clamp", "wasm", [x], { min: s.min, max: s.max })[0]!;
    else if ("scalar" in s) {
      const sc = tensor(cur, [], [cur === "i32" ? s.scalar | 0 : s.scalar]);
      next = runCpu(s.op, "wasm", s.reversed ? [sc, x] : [x, sc], {})[0]!;
    } else if ("input" in s) {
      const y = inputs[s.input]!;
      next = runCpu(s.op, "wasm", s.reversed ? [y, x] : [x, y], {})[0]!;
    } else next = runCpu(s.op, "wasm", [x], {})[0]!;
    if (x instanceof WasmTensor && i > 0) x.dispose();
    x = next;
    cur = dts[i]!;
  });
  return x;
}

describe("wasm elementwiseChain", () => {
  it("matches the js reference and the unfused wasm ops on 30 random chains", () => {
    const r = rng(51);
    for (let i = 0; i < 30; i++) {
      const start = (["f32", "i32", "u8"] as const)[i % 3];
      const n = [0, 1, 3, 17, 1000, CHAIN_BLOCK - 1, CHAIN_BLOCK + 5, 3 * CHAIN_BLOCK + 7][i % 8]!;
      const steps = randomChain(r, start, 1 + Math.floor(r() * 7), { f32: 1, i32: 2 });
      const inputs = [randomTensor(start, [n], r, { range: [-50, 50], special: start === "f32" ? 0.02 : 0 }), randomTensor("f32", [n], r, { range: [-3, 3] }), randomTensor("i32", [n], r, { range: [-9, 9] })];
      const label = `chain ${i} ${JSON.stringify(steps)}`;
      expectWasmMatchesJs("elementwiseChain", inputs, { steps }, APPROX, label);
      const fused = runCpu("elementwiseChain", "wasm", inputs, { steps })[0]!;
      const unfused = runStepByStep(inputs, steps);
      expectTensorClose(fused, unfused, { atol: 0, rtol: 0 }, `${label} fused vs unfused`);
      // The compiled chain (multiple-of-16 prefix) and the interpreter agree bit for bit.
      expect(compiledChain(getWasm(), steps, start, chainDtypes("elementwiseChain", start, steps, inputs.slice(1)))).toBeDefined();
      expectTensorClose(fused, interpretChain(inputs, steps), { atol: 0, rtol: 0 }, `${label} compiled vs interpreted`);
    }
  });

  it("the program record kinds agree between JS and the wasm module", () => {
    const exported = getWasm().exports as unknown as Record<string, WebAssembly.Global>;
    for (const [name, code] of Object.entries(codes)) {
      if (name.startsWith("K_")) expect(exported[name]?.value, name).toBe(code);
    }
  });

  it("compiled chains are cached by structure, not by scalar values", () => {
    const a: ChainStep[] = [{ op: "sub", scalar: 1 }, { op: "clamp", min: 0, max: 2 }];
    const b: ChainStep[] = [{ op: "sub", scalar: 7 }, { op: "clamp", min: -3, max: 9 }];
    expect(chainKey(a, "f32")).toBe(chainKey(b, "f32"));
    expect(chainKey(a, "f32")).not.toBe(chainKey([{ op: "sub", scalar: 1, reversed: true }, a[1]!], "f32"));
    const x = tensor("f32", [32], Array.from({ length: 32 }, (_, i) => i / 4));
    const ra = runCpu("elementwiseChain", "wasm", [x], { steps: a })[0]!;
    const rb = runCpu("elementwiseChain", "wasm", [x], { steps: b })[0]!;
    expect(ra.data[31]).toBe(Math.min(Math.max(31 / 4 - 1, 0), 2));
    expect(rb.data[31]).toBe(Math.min(Math.max(31 / 4 - 7, -3), 9));
  });

  it("each single step equals the single op (op codes agree between JS and wasm)", () => {
    const r = rng(53);
    const x = randomTensor("f32", [37], r, { range: [0.5, 3] });
    const y = randomTensor("f32", [37], r, { range: [0.5, 3] });
    for (const op of UNARY_OPS) {
      expectTensorClose(runCpu("elementwiseChain", "wasm", [x], { steps: [{ op }] })[0]!, runCpu(op, "wasm", [x], {})[0]!, { atol: 0, rtol: 0 }, op);
    }
    for (const op of BINARY_OPS) {
      expectTensorClose(runCpu("elementwiseChain", "wasm", [x, y], { steps: [{ op, input: 1 }] })[0]!, runCpu(op, "wasm", [x, y], {})[0]!, { atol: 0, rtol: 0 }, op);
      expectTensorClose(runCpu("elementwiseChain", "wasm", [x, y], { steps: [{ op, input: 1, reversed: true }] })[0]!, runCpu(op, "wasm", [y, x], {})[0]!, { atol: 0, rtol: 0 }, `${op} reversed`);
    }
  });

  it("the preprocessing chain u8 → f32 → sub → div → clamp on edge lengths", () => {
    const r = rng(57);
    const steps: ChainStep[] = [{ op: "cast", to: "f32" }, { op: "sub", scalar: 127.5 }, { op: "div", scalar: 58.4 }, { op: "clamp", min: -2, max: 2 }];
    for (const n of EDGE_LENGTHS) expectWasmMatchesJs("elementwiseChain", [randomTensor("u8", [n], r)], { steps }, {}, `n=${n}`);
  });

  it("casts to u8 mid-chain saturate like the reference", () => {
    const x = tensor("f32", [8], [-5, 0.7, 254.9, 255.5, 300, NaN, Infinity, 128]);
    const steps: ChainStep[] = [{ op: "cast", to: "u8" }, { op: "cast", to: "i32" }, { op: "mul", scalar: 3 }, { op: "cast", to: "u8" }];
    expectWasmMatchesJs("elementwiseChain", [x], { steps }, {});
    expect([...runCpu("elementwiseChain", "wasm", [x], { steps })[0]!.data]).toEqual([0, 0, 255, 255, 255, 0, 255, 255]);
  });
});
