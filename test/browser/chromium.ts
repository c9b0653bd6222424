/**
 * Launching the system Chromium (Debian's `chromium` package) through playwright-core, never a
 * downloaded browser. Flags from FIELD-NOTES "Browser (Chromium)": `--enable-unsafe-webgpu` is
 * what gives headless Chromium a WebGPU adapter (SwiftShader without a GPU); the rest keep it
 * from reaching the network or doing background work during a test.
 */

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_FLAGS: readonly string[] = [
  "--headless=new",
  "--no-sandbox",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--enable-unsafe-webgpu",
];

export function chromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export interface LaunchedChromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Starts Chromium with a fresh profile (a new `--user-data-dir`, passed the way playwright
 * requires: as the persistent context's directory) and removes the profile on close.
 */
export async function launchChromium(timeoutMs: number): Promise<LaunchedChromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), "sluice-chromium-"));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_FLAGS],
      timeout: timeoutMs,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        rmSync(userDataDir, { recursive: true, force: true });
      }
    },
  };
}
