/**
 * One error base for all of sluice, in the shape of kafkajs' errors: a `retriable` flag the
 * retry loop reads, and a `cause` chain. It lives in kernels/ (the lowest layer that has code of
 * ours) so every layer above can extend it without importing upward.
 */

export interface SluiceErrorOptions {
  /** Whether trying the same call again may succeed (network blips, busy devices). */
  retriable?: boolean;
  cause?: unknown;
  /** The pipeline step or operator the error belongs to, when known. */
  step?: string;
}

export class SluiceError extends Error {
  readonly retriable: boolean;
  readonly step: string | undefined;

  constructor(message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable ?? false;
    this.step = options.step;
  }
}

/** A kernel was called with inputs or attributes it cannot handle. Never retriable. */
export class KernelError extends SluiceError {
  readonly op: string;

  constructor(op: string, detail: string, options: Omit<SluiceErrorOptions, "retriable"> = {}) {
    super(`${op}: ${detail}`, { ...options, retriable: false });
    this.op = op;
  }

  /** The common case: "expected X, got Y". */
  static mismatch(op: string, what: string, expected: string, actual: string): KernelError {
    return new KernelError(op, `${what}: expected ${expected}, got ${actual}`);
  }
}

/** No kernel is registered for an (op, backend) pair. */
export class KernelNotFoundError extends SluiceError {
  constructor(op: string, backend: string) {
    super(`no kernel registered for op '${op}' on backend '${backend}'`);
  }
}

/** A WGSL program failed to compile; carries the shader label and the compiler's messages. */
export class ShaderCompileError extends SluiceError {
  readonly label: string;
  readonly messages: readonly string[];

  constructor(label: string, messages: readonly string[], source?: string) {
    const body = messages.join("\n");
    super(`WGSL compile error in shader '${label}':\n${body}${source ? `\n--- source ---\n${numberLines(source)}` : ""}`);
    this.label = label;
    this.messages = messages;
  }
}

/** The device (GPU adapter, WASM module) is missing, lost or refused a request. */
export class DeviceError extends SluiceError {}

function numberLines(src: string): string {
  return src
    .split("\n")
    .map((l, i) => `${String(i + 1).padStart(4)}| ${l}`)
    .join("\n");
}
