/**
 * Reads a file line by line from a byte offset, reporting each line's byte range and 1-based
 * number, so line sources can record exactly where they stopped and resume there after a
 * restart. Lines end at `\n`; a `\r` before it is dropped, a UTF-8 byte-order mark at the start
 * of the file is skipped, and a last line without a newline still counts. Bytes are returned
 * undecoded: the caller decides what invalid UTF-8 means (a bad record or an error).
 */

import type { FileHandle } from "node:fs/promises";

export interface RawLine {
  /** The line's bytes without the terminator (a view valid until the next line is read). */
  readonly bytes: Uint8Array;
  /** 1-based line number. */
  readonly number: number;
  /** Byte offset of the line's first byte. */
  readonly start: number;
  /** Byte offset just past the line's terminator: where the next line starts. */
  readonly end: number;
}

export interface LineReadOptions {
  /** Byte offset to start at; must be the start of a line (a position this reader produced). */
  readonly offset: number;
  /** The number of the line at `offset` (1 at the start of the file). */
  readonly line: number;
  /** Size of each read (default 1 MiB). */
  readonly chunkBytes?: number;
  /** A longer line is an error (default 256 MiB), so a file with no newlines cannot eat memory. */
  readonly maxLineBytes?: number;
}

/** Thrown when a line is longer than `maxLineBytes`. */
export class LineTooLongError extends Error {
  constructor(readonly line: number, readonly limit: number) {
    super(`line ${line} is longer than ${limit} bytes`);
  }
}

const BOM = [0xef, 0xbb, 0xbf];

/** Yields the lines of `fh` from `opts.offset` to the end of the file. */
export async function* readLines(fh: FileHandle, opts: LineReadOptions): AsyncGenerator<RawLine> {
  const chunkBytes = opts.chunkBytes ?? 2 ** 20;
  const maxLine = opts.maxLineBytes ?? 2 ** 28;
  let buf = new Uint8Array(chunkBytes);
  let filled = 0; // bytes of buf holding data
  let consumed = 0; // bytes of buf already yielded as lines
  let fileAt = opts.offset; // file offset of buf[0]
  let readAt = opts.offset; // file offset of the next read
  let line = opts.line;
  let eof = false;
  let first = opts.offset === 0;
  while (true) {
    const nl = buf.subarray(consumed, filled).indexOf(0x0a);
    if (nl >= 0 || (eof && consumed < filled)) {
      const stop = nl >= 0 ? consumed + nl : filled;
      let from = consumed;
      if (first) {
        if (BOM.every((b, k) => buf[from + k] === b) && stop - from >= 3) from += 3;
        first = false;
      }
      const to = stop > from && buf[stop - 1] === 0x0d ? stop - 1 : stop;
      if (to - from > maxLine) throw new LineTooLongError(line, maxLine);
      const next = nl >= 0 ? stop + 1 : stop;
      yield { bytes: buf.subarray(from, to), number: line++, start: fileAt + consumed, end: fileAt + next };
      consumed = next;
      continue;
    }
    if (eof) return;
    if (filled - consumed > maxLine) throw new LineTooLongError(line, maxLine);
    // Keep the unfinished line at the front; grow when it fills the buffer.
    if (consumed > 0) {
      buf.copyWithin(0, consumed, filled);
      filled -= consumed;
      fileAt += consumed;
      consumed = 0;
    }
    if (filled === buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, filled, buf.length - filled, readAt);
    if (bytesRead === 0) eof = true;
    filled += bytesRead;
    readAt += bytesRead;
  }
}
