import { describe, expect, it } from "vitest";
import { runCpu } from "../../../kernels/registry.js";
import { tensor } from "../../../kernels/tensor.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectWasmMatchesJs, useWasm } from "./wasm-conformance.js";

useWasm();

// f32 accumulation against the reference's double: error grows with K.
const TOL = { atol: 1e-5, rtol: 1e-4 };

describe("wasm matmul and cosineSimilarity", () => {
  it("matmul on 24 random shapes (blocked and tail rows/columns)", () => {
    const r = rng(101);
    for (let i = 0; i < 24; i++) {
      const m = 1 + Math.floor(r() * 13), k = Math.floor(r() * 40), n = 1 + Math.floor(r() * 21);
      expectWasmMatchesJs("matmul", [randomTensor("f32", [m, k], r, { range: [-1, 1] }), randomTensor("f32", [k, n], r, { range: [-1, 1] })], {}, TOL, `${m}x${k} × ${k}x${n}`);
    }
    expectWasmMatchesJs("matmul", [randomTensor("f32", [0, 3], r), randomTensor("f32", [3, 4], r)], {}, TOL, "empty");
  });

  it("matmul is exact on small integers", () => {
    const a = tensor("f32", [2, 3], [1, 2, 3, 4, 5, 6]);
    const b = tensor("f32", [3, 2], [7, 8, 9, 10, 11, 12]);
    expect([...runCpu("matmul", "wasm", [a, b], {})[0]!.data]).toEqual([58, 64, 139, 154]);
  });

  it("cosineSimilarity on 24 random shapes, zero rows score 0", () => {
    const r = rng(103);
    for (let i = 0; i < 24; i++) {
      const m = 1 + Math.floor(r() * 9), n = 1 + Math.floor(r() * 9), d = 1 + Math.floor(r() * 70);
      const a = randomTensor("f32", [m, d], r), b = randomTensor("f32", [n, d], r);
      if (i % 4 === 0) a.data.fill(0, 0, d);
      expectWasmMatchesJs("cosineSimilarity", [a, b], {}, TOL, `${m}x${d} vs ${n}x${d}`);
    }
  });
});
