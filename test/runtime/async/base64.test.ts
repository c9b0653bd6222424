import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../../../runtime/async/base64.js";

describe("base64 for snapshots", () => {
  it("matches the standard encoding and round-trips views at any offset", () => {
    const all = Uint8Array.from({ length: 70_001 }, (_, i) => (i * 7919) & 0xff);
    for (const [from, to] of [[0, 0], [0, 1], [3, 5], [1, 70_001], [17, 40_000]] as const) {
      const view = all.subarray(from, to);
      const b64 = toBase64(view);
      if (view.length <= 4096) expect(b64).toBe(btoa(String.fromCharCode(...view)));
      expect(Array.from(fromBase64(b64))).toEqual(Array.from(view));
    }
  });
});
