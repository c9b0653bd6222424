/** Shared setup for the wasm backend's conformance tests: load once, compare against `js`. */

import { beforeAll, expect } from "vitest";
import type { OpAttrs, OpName } from "../../../kernels/op-attrs.js";
import { registerAllKernels } from "../../../kernels/register-all-kernels.js";
import { runCpu } from "../../../kernels/registry.js";
import type { Tensor } from "../../../kernels/tensor.js";
import { WasmTensor } from "../../../kernels/wasm/wasm-tensor.js";
import { loadWasm } from "../../../wasm/loader.js";
import { expectTensorClose, type Tolerance } from "../../helpers/assert-close.js";

/** Registers every kernel and loads sluice.wasm before the file's tests. */
export function useWasm(): void {
  beforeAll(async () => {
    registerAllKernels();
    await loadWasm();
  });
}

/**
 * Runs `op` on both backends and compares every output. Runs wasm twice: with the inputs as given
 * (copied in) and resident (WasmTensor), which must agree exactly. Frees what it allocates.
 */
export function expectWasmMatchesJs<K extends OpName>(op: K, inputs: readonly Tensor[], attrs: OpAttrs[K], tol: Tolerance = {}, label = ""): void {
  const want = runCpu(op, "js", inputs, attrs);
  const got = runCpu(op, "wasm", inputs, attrs);
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(g).toBeInstanceOf(WasmTensor);
    expectTensorClose(g, want[i]!, tol, `${label} ${op} output ${i}`);
  });
  const resident = inputs.map((t) => WasmTensor.from(t));
  const again = runCpu(op, "wasm", resident, attrs);
  again.forEach((g, i) => expectTensorClose(g, got[i]!, { atol: 0, rtol: 0 }, `${label} ${op} resident output ${i}`));
  for (const t of [...got, ...again, ...resident]) (t as WasmTensor).dispose();
}
