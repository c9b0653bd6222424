import { describe, expect, it } from "vitest";
import { BINARY_OPS, INT_BINARY_OPS, INT_UNARY_OPS, UNARY_OPS } from "../../../kernels/op-attrs.js";
import { runCpu } from "../../../kernels/registry.js";
import { DTYPES, tensor, type DType, type Tensor } from "../../../kernels/tensor.js";
import { EDGE_LENGTHS, randomShape, randomTensor, rng } from "../../helpers/random-tensors.js";
import { expectWasmMatchesJs, useWasm } from "./wasm-conformance.js";

useWasm();

// Transcendentals are approximations (Cephes polynomials): a few ulp, not correctly rounded.
const APPROX = { atol: 1e-6, rtol: 2e-6 };

describe("wasm unary ops", () => {
  for (const op of UNARY_OPS) {
    it(`${op} f32 on edge lengths with NaN/Inf`, () => {
      const r = rng(11);
      for (const n of EDGE_LENGTHS) {
        const x = randomTensor("f32", [n], r, { range: op === "exp" || op === "sigmoid" || op === "tanh" ? [-100, 100] : [-50, 50], special: 0.05 });
        expectWasmMatchesJs(op, [x], {}, APPROX, `n=${n}`);
      }
    });
    it(`${op} f32 on 20 random shapes`, () => {
      const r = rng(100 + UNARY_OPS.indexOf(op));
      for (let i = 0; i < 20; i++) {
        const shape = randomShape(1 + Math.floor(r() * 4), r);
        const x = randomTensor("f32", shape, r, { range: i % 2 ? [-3, 3] : [0.001, 1000] });
        expectWasmMatchesJs(op, [x], {}, APPROX, `shape ${shape}`);
      }
    });
  }
  for (const op of INT_UNARY_OPS) {
    it(`${op} i32 including INT_MIN`, () => {
      const r = rng(7);
      for (const n of EDGE_LENGTHS) expectWasmMatchesJs(op, [randomTensor("i32", [n], r, { range: [-1000, 1000] })], {});
      expectWasmMatchesJs(op, [tensor("i32", [5], [-2147483648, 2147483647, 0, -1, 1])], {});
    });
  }

  it("exp/log/tanh/sigmoid special values match Math exactly", () => {
    const specials = [0, -0, 1, -1, Infinity, -Infinity, NaN, 88.7, 89, -87.5, -103, -104, 1e-40, 3.4e38, 0.625, -0.625, 0.6249, 1e-30, -1e-30, 20, -20];
    for (const op of ["exp", "log", "tanh", "sigmoid", "sqrt", "relu", "abs", "neg"] as const) {
      expectWasmMatchesJs(op, [tensor("f32", [specials.length], specials)], {}, { atol: 1e-37, rtol: 2e-6 }, "specials");
    }
  });
});

describe("wasm binary ops", () => {
  const ranges: Record<string, [number, number]> = { pow: [0.1, 4] };
  for (const op of BINARY_OPS) {
    const dtypes: DType[] = INT_BINARY_OPS.includes(op) ? ["f32", "i32"] : ["f32"];
    for (const dt of dtypes) {
      it(`${op} ${dt} same shape on edge lengths`, () => {
        const r = rng(21);
        for (const n of EDGE_LENGTHS) {
          const a = randomTensor(dt, [n], r, { range: ranges[op] ?? [-20, 20], special: op === "pow" ? 0 : 0.03 });
          const b = randomTensor(dt, [n], r, { range: ranges[op] ?? [-20, 20], special: op === "pow" ? 0 : 0.03 });
          expectWasmMatchesJs(op, [a, b], {}, op === "pow" ? { rtol: 1e-6 } : {}, `n=${n}`);
        }
      });
      it(`${op} ${dt} broadcasting on 24 random shape pairs`, () => {
        const r = rng(31 + BINARY_OPS.indexOf(op));
        for (let i = 0; i < 24; i++) {
          const rank = 1 + Math.floor(r() * 4);
          const out = randomShape(rank, r, 9);
          // Each operand keeps, drops (to 1) or omits leading axes of the output shape at random.
          const pick = (): number[] => {
            const lead = Math.floor(r() * rank);
            return out.slice(lead).map((d) => (r() < 0.35 ? 1 : d));
          };
          const sa = pick(), sb = i % 5 === 0 ? [] : pick();
          const a = randomTensor(dt, sa, r, { range: ranges[op] ?? [-20, 20] });
          const b = randomTensor(dt, sb, r, { range: ranges[op] ?? [-20, 20] });
          expectWasmMatchesJs(op, i % 2 ? [a, b] : [b, a], {}, op === "pow" ? { rtol: 1e-6 } : {}, `[${sa}] vs [${sb}]`);
        }
      });
    }
  }

  it("a short operand repeated along a long one (the tiled path), both ways round", () => {
    const r = rng(37);
    for (const [big, small] of [[[1000, 3], [3]], [[7, 5, 3], [1, 3]], [[999, 17], [17]], [[2, 255], [1, 1, 255]], [[4, 1], [1]]] as const) {
      for (const dt of ["f32", "i32"] as const) {
        const a = randomTensor(dt, big, r), b = randomTensor(dt, small, r, { range: [1, 9] });
        for (const op of ["sub", "div", "max"] as const) {
          expectWasmMatchesJs(op, [a, b], {}, {}, `[${big}] ${op} [${small}]`);
          expectWasmMatchesJs(op, [b, a], {}, {}, `[${small}] ${op} [${big}]`);
        }
      }
    }
  });

  it("i32 division by zero is 0 and INT_MIN / -1 is INT_MIN; i32 arithmetic wraps", () => {
    const a = tensor("i32", [6], [7, -7, -2147483648, 5, 2147483647, -9]);
    const b = tensor("i32", [6], [0, 2, -1, -3, 2, 4]);
    for (const op of ["div", "add", "sub", "mul"] as const) expectWasmMatchesJs(op, [a, b], {});
    expect([...runCpu("div", "wasm", [a, b], {})[0]!.data]).toEqual([0, -3, -2147483648, -1, 1073741823, -2]);
  });

  it("pow follows JS Math.pow on special operands", () => {
    const xs = [1, 1, -1, -1, 0, 0, -0, NaN, 2, -2, -8, 4, Infinity, -Infinity, 0.5];
    const ys = [NaN, Infinity, Infinity, -Infinity, 0, -1, -1, 0, 0.5, 3, 1 / 3, -0.5, -2, 3, Infinity];
    expectWasmMatchesJs("pow", [tensor("f32", [xs.length], xs), tensor("f32", [ys.length], ys)], {}, { rtol: 1e-6 });
  });

  it("min/max propagate NaN", () => {
    const a = tensor("f32", [5], [NaN, 1, NaN, -0, 3]);
    const b = tensor("f32", [5], [1, NaN, NaN, 0, -Infinity]);
    expectWasmMatchesJs("min", [a, b], {});
    expectWasmMatchesJs("max", [a, b], {});
  });
});

describe("wasm clamp and cast", () => {
  it("clamp f32 and i32 on random data, with fractional and infinite bounds", () => {
    const r = rng(41);
    const bounds: { min?: number; max?: number }[] = [{}, { min: 0 }, { max: 1 }, { min: -2.5, max: 2.5 }, { min: 0.1, max: 0.7 }, { min: -Infinity, max: 3 }, { min: 3, max: 3 }];
    for (const dt of ["f32", "i32"] as const) {
      for (const [i, attrs] of bounds.entries()) {
        for (const n of [0, 1, 7, 33, 1025]) {
          expectWasmMatchesJs("clamp", [randomTensor(dt, [n], r, { range: [-5, 5], special: 0.05 })], attrs, {}, `${dt} bounds ${i}`);
        }
      }
    }
  });

  it("cast between every pair of dtypes, saturating, NaN → 0", () => {
    const r = rng(43);
    const extremes = [NaN, Infinity, -Infinity, -0.5, 0.5, 255.9, 256, -1, 3e9, -3e9, 2147483520, -2147483648, 127.5];
    for (const from of DTYPES) {
      for (const to of DTYPES) {
        for (const n of EDGE_LENGTHS) {
          const x = randomTensor(from, [n], r, { range: [-300, 600], special: 0.05 });
          expectWasmMatchesJs("cast", [x], { to }, {}, `${from}→${to} n=${n}`);
        }
        if (from === "f32") expectWasmMatchesJs("cast", [tensor("f32", [extremes.length], extremes)], { to }, {}, "extremes");
        if (from === "i32") expectWasmMatchesJs("cast", [tensor("i32", [6], [-2147483648, 2147483647, -1, 256, 255, 0])], { to }, {}, "i32 extremes");
      }
    }
  });

  it("accepts inputs whose data is any view of wasm memory (resident, not a WasmTensor)", () => {
    const r = rng(47);
    const x: Tensor = randomTensor("f32", [100], r);
    const want = runCpu("neg", "js", [x], {})[0]!;
    const first = runCpu("abs", "wasm", [x], {})[0]!;
    // A plain tensor viewing the wasm output: used in place.
    const view: Tensor = { dtype: "f32", shape: [100], data: first.data };
    const got = runCpu("neg", "wasm", [view], {})[0]!;
    expect([...got.data]).toEqual([...want.data].map((v) => -Math.abs(v)));
  });
});
