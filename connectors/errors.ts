/**
 * Every connector failure is a `ConnectorError` whose message starts with the connector's name
 * and the file it concerns, so a failed job says which input or output broke and why without a
 * stack trace. Node's errno codes decide `retriable`: a busy or exhausted system may succeed on
 * a retry, a missing file or a corrupt one will not.
 */

import { ConnectorError } from "../runtime/api/runtime-errors.js";

/** errno codes worth retrying: transient exhaustion or I/O trouble, not bad input. */
const TRANSIENT_CODES = new Set(["EAGAIN", "EBUSY", "EIO", "EMFILE", "ENFILE", "ETIMEDOUT", "EINTR", "ENOSPC"]);

const CODE_TEXT: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory, expected a file",
  ENOTDIR: "not a directory",
  EMFILE: "too many open files",
  ENOSPC: "no space left on device",
};

/** A `ConnectorError` reading `connector: path: message` (path left out when undefined). */
export function connectorError(connector: string, path: string | undefined, message: string, options: { cause?: unknown; retriable?: boolean } = {}): ConnectorError {
  const where = path === undefined ? connector : `${connector}: ${path}`;
  return new ConnectorError(`${where}: ${message}`, options);
}

/** Wraps a filesystem error (or anything thrown while touching `path`) as a `ConnectorError`. */
export function fsError(connector: string, path: string, action: string, err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const code = errnoCode(err);
  const detail = code !== undefined && CODE_TEXT[code] !== undefined ? `${CODE_TEXT[code]} (${code})` : messageOf(err);
  return connectorError(connector, path, `${action}: ${detail}`, { cause: err, retriable: code !== undefined && TRANSIENT_CODES.has(code) });
}

/** The errno code of a Node system error, if it is one. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** A readable one-line message for anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
