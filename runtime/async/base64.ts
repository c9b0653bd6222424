/**
 * Base64 for bytes that go into JSON snapshots. Node's Buffer codec is native and ~80× faster
 * than a btoa round trip through a binary string (48 MB: 29 ms vs 2.5 s), which matters because
 * a snapshot is taken while the task waits; browsers (no Buffer) take the portable path, chunked
 * so large inputs do not overflow the stack.
 */

interface NodeBuffer {
  from(bytes: ArrayBufferLike, offset: number, length: number): { toString(enc: "base64"): string };
  from(s: string, enc: "base64"): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer;

export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  if (NodeBuffer) {
    const b = NodeBuffer.from(b64, "base64");
    // A plain Uint8Array over the same memory: callers treat it as such (Arrow readers included).
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
