/** WebGPU tiled matmul and cosine similarity against the js reference (which accumulates in double). */

import { describe, it } from "vitest";
import { tensor } from "../../../kernels/tensor.js";
import { randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectGpuMatchesJs, webgpuForTests } from "../../helpers/webgpu.js";

const gpu = await webgpuForTests();

/** f32 accumulation over K ≤ 300 terms of magnitude ≤ 1 against a double-precision sum. */
const TOL = { atol: 2e-5, rtol: 1e-4 };

describe.skipIf(!gpu)("webgpu matmul and cosine similarity", () => {
  it("matmul: random M, K, N around the 16×16 tile edges", async () => {
    const r = rng(41);
    const dims = [1, 2, 15, 16, 17, 31, 33];
    for (let i = 0; i < 24; i++) {
      const pick = (): number => (r() < 0.7 ? dims[Math.floor(r() * dims.length)]! : 1 + Math.floor(r() * 70));
      const m = pick(), k = i % 6 === 0 ? 1 + Math.floor(r() * 300) : pick(), n = pick();
      await expectGpuMatchesJs(gpu!, "matmul", [randomTensor("f32", [m, k], r, { range: [-1, 1] }), randomTensor("f32", [k, n], r, { range: [-1, 1] })], {}, TOL);
    }
  });

  it("matmul: empty dimensions (K = 0 gives zeros, M or N = 0 gives an empty result)", async () => {
    const r = rng(42);
    await expectGpuMatchesJs(gpu!, "matmul", [tensor("f32", [3, 0]), tensor("f32", [0, 5])], {});
    await expectGpuMatchesJs(gpu!, "matmul", [tensor("f32", [0, 4]), randomTensor("f32", [4, 5], r)], {});
    await expectGpuMatchesJs(gpu!, "matmul", [randomTensor("f32", [3, 4], r), tensor("f32", [4, 0])], {});
  });

  it("cosineSimilarity: random sizes, zero rows score 0", async () => {
    const r = rng(43);
    for (let i = 0; i < 24; i++) {
      const m = 1 + Math.floor(r() * 40), n = 1 + Math.floor(r() * 40), d = 1 + Math.floor(r() * (i % 4 === 0 ? 500 : 40));
      const a = randomTensor("f32", [m, d], r, { range: [-1, 1] }), b = randomTensor("f32", [n, d], r, { range: [-1, 1] });
      if (i % 3 === 0) a.data.fill(0, 0, d);
      if (i % 5 === 0) b.data.fill(0, (n - 1) * d);
      await expectGpuMatchesJs(gpu!, "cosineSimilarity", [a, b], {}, TOL);
    }
    await expectGpuMatchesJs(gpu!, "cosineSimilarity", [tensor("f32", [0, 3]), randomTensor("f32", [2, 3], r)], {});
  });
});
