/**
 * The kernels in a real browser: Chromium loads the compiled ES modules from dist/ over HTTP,
 * acquires a WebGPU device through navigator.gpu, fetches sluice.wasm through the wasm loader,
 * and runs every case of kernel-cases.ts on `webgpu`, `wasm` and the `js` reference. This file
 * asserts on what the page returns, with the same tolerance helper as the Node suites.
 *
 * Needs `dist/` and `wasm/build/sluice.wasm` (`npm run build`; `npm test` builds first) and
 * /usr/bin/chromium (`apt-get install -y chromium`). Without Chromium the suite skips locally
 * and fails under CI: a browser test that silently skips in CI proves nothing.
 */

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerAllKernels } from "../../kernels/register-all-kernels.js";
import { runCpu } from "../../kernels/registry.js";
import type { Tensor } from "../../kernels/tensor.js";
import { expectTensorClose } from "../helpers/assert-close.js";
import { CHROMIUM_PATH, chromiumInstalled, launchChromium, type LaunchedChromium } from "./chromium.js";
import { KERNEL_CASES } from "./kernel-cases.js";
import type { BackendRun, PageReport, TensorData } from "./kernels-page.js";
import { startStaticServer, type StaticServer } from "./static-server.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");

/** What the page imports or fetches; checked up front so a missing build fails with the fix. */
const BUILD_OUTPUTS = [
  "dist/kernels/register-all-kernels.js",
  "dist/kernels/registry.js",
  "dist/scheduler/webgpu/index.js",
  "dist/wasm/loader.js",
  "wasm/build/sluice.wasm",
];

// SwiftShader compiles each pipeline on the CPU; the whole page run takes a few seconds.
const SETUP_TIMEOUT_MS = 45_000;
const STEP_TIMEOUT_MS = 20_000;

const runHere = chromiumInstalled() || Boolean(process.env.CI);

function toTensor(t: TensorData): Tensor {
  const data = t.dtype === "u8" ? Uint8Array.from(t.data) : t.dtype === "i32" ? Int32Array.from(t.data) : Float32Array.from(t.data);
  return { dtype: t.dtype, shape: t.shape, data } as Tensor;
}

/** The outputs of a run, or a failure that carries the page's error and stack. */
function outputsOf(run: BackendRun | undefined, what: string): Tensor[] {
  expect(run, `${what}: no result from the page`).toBeDefined();
  if (run!.error !== undefined) expect.fail(`${what} threw in Chromium: ${run!.error}`);
  return run!.outputs!.map(toTensor);
}

describe.skipIf(!runHere)("kernels in Chromium (webgpu + wasm vs js)", () => {
  let server: StaticServer | undefined;
  let browser: LaunchedChromium | undefined;
  let report: PageReport;
  const pageProblems: string[] = [];

  /** Loads the page and waits for its module graph; a load failure names the reason. */
  async function openChecksPage(page: Page): Promise<void> {
    page.on("pageerror", (e) => pageProblems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") pageProblems.push(`console.${m.type()}: ${m.text()} (${m.location().url})`);
    });
    await page.goto(`${server!.origin}/test/browser/kernels-page.html`);
    await page.waitForFunction(() => "sluiceKernelChecks" in globalThis || "sluicePageLoadError" in globalThis);
    const loadError = await page.evaluate(() => (globalThis as { sluicePageLoadError?: string }).sluicePageLoadError);
    if (loadError !== undefined) {
      throw new Error(
        `the page could not load the kernels from dist/: ${loadError}\n` +
          `404s: ${server!.notFound.join(", ") || "none"}\n${pageProblems.join("\n")}`,
      );
    }
  }

  beforeAll(async () => {
    if (!chromiumInstalled()) {
      throw new Error(`${CHROMIUM_PATH} not found and CI is set: the browser test must run in CI (apt-get install -y chromium)`);
    }
    const missing = BUILD_OUTPUTS.filter((p) => !existsSync(join(ROOT, p)));
    if (missing.length > 0) {
      throw new Error(`the browser test loads the build, which is missing (${missing.join(", ")}): run \`npm run build\` first (\`npm test\` does)`);
    }
    server = await startStaticServer({ root: ROOT, transpileUnder: HERE });
    browser = await launchChromium(STEP_TIMEOUT_MS);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    await openChecksPage(page);
    report = await page.evaluate(() => (globalThis as unknown as { sluiceKernelChecks: () => Promise<PageReport> }).sluiceKernelChecks());
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    // Each independently: a failed launch must still free the port, and vice versa.
    await Promise.allSettled([browser?.close(), server?.close()]);
  }, STEP_TIMEOUT_MS);

  it("the page is a secure context and navigator.gpu gives an adapter", () => {
    expect(report.isSecureContext).toBe(true);
    expect(report.adapter, "navigator.gpu.requestAdapter() returned null: is --enable-unsafe-webgpu set?").not.toBeNull();
    expect(report.sluiceUsesNavigatorGpu, "scheduler/webgpu's getGpu() did not return navigator.gpu").toBe(true);
    expect(report.webgpuCreateError).toBeUndefined();
  });

  it("WebAssembly SIMD is validated and sluice.wasm validates and instantiates", () => {
    expect(report.wasm.features.wasm).toBe(true);
    expect(report.wasm.features.simd, "Chromium rejected the v128 probe module").toBe(true);
    expect(report.wasm.moduleValidates, "WebAssembly.validate(sluice.wasm) is false in Chromium").toBe(true);
    expect(report.wasm.loadError, "loadWasm({ source: <url of sluice.wasm> }) failed in Chromium").toBeUndefined();
  });

  it("the wasm loader finds sluice.wasm by itself when loaded from dist/", () => {
    // An app imports dist/wasm/loader.js and calls loadWasm() with no source; the module sits at
    // <root>/wasm/build/, two levels up from the loader.
    expect(report.wasm.defaultLoadError, "loadWasm() with no source failed in Chromium").toBeUndefined();
  });

  it("every case ran on the page", () => {
    expect(report.cases.map((c) => c.name)).toEqual(KERNEL_CASES.map((c) => c.name));
    expect(report.wasm.ops, "ops without a wasm kernel").toEqual(expect.arrayContaining([...new Set(KERNEL_CASES.map((c) => c.op))]));
  });

  describe.each(["webgpu", "wasm"] as const)("%s matches the js reference in the page", (backend) => {
    it.each(KERNEL_CASES.map((c) => [c.name, c] as const))("%s", (name, c) => {
      const result = report.cases.find((r) => r.name === name);
      const expected = outputsOf(result?.reference, `js ${name}`);
      const actual = outputsOf(result?.[backend], `${backend} ${name}`);
      expect(actual.length, `${name}: output count`).toBe(expected.length);
      actual.forEach((a, i) => expectTensorClose(a, expected[i]!, c.tol, `${backend} ${name} output ${i}`));
    });
  });

  it("the js reference computes the same bits in Chromium as in Node", () => {
    registerAllKernels();
    for (const c of KERNEL_CASES) {
      const inBrowser = outputsOf(report.cases.find((r) => r.name === c.name)?.reference, `js ${c.name}`);
      const inNode = runCpu(c.op, "js", c.inputs(), c.attrs);
      inNode.forEach((t, i) => expectTensorClose(inBrowser[i]!, t, { atol: 0, rtol: 0 }, `js ${c.name} output ${i}, Chromium vs Node`));
    }
  });

  it("WebGPU dispatched every case and reported no uncaptured error", () => {
    expect(report.webgpuUncapturedError).toBeUndefined();
    expect(report.webgpuDispatches).toBeGreaterThanOrEqual(KERNEL_CASES.length);
  });

  it("the page logged no errors or warnings and requested nothing missing", () => {
    // Shader compile warnings, failed fetches and uncaught errors surface here, not in a log.
    expect(pageProblems).toEqual([]);
    expect(server!.notFound).toEqual([]);
  });
});
