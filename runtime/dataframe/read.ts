/**
 * `read.*`: DataFrames from the file sources. Each takes the source's path (a file, folder,
 * glob or list) and its other arguments as `sluice ops <name>` lists them.
 */

import { fromSource, type DataFrame } from "./dataframe.js";

type Path = string | readonly string[];
type Args = Record<string, unknown>;

export const read = {
  /** Any source op by name. */
  from: (op: string, args: Args): DataFrame => fromSource(op, args),
  /** One row per image file: path, size, image (encoded). */
  images: (path: Path, args: Args = {}): DataFrame => fromSource("images", { path, ...args }),
  /** One row per file: path, size, bytes (or an object reference with `content: "ref"`). */
  files: (path: Path, args: Args = {}): DataFrame => fromSource("files", { path, ...args }),
  /** Text files, per file or per line (`mode: "line"`). */
  text: (path: Path, args: Args = {}): DataFrame => fromSource("text", { path, ...args }),
  jsonl: (path: Path, args: Args = {}): DataFrame => fromSource("jsonl", { path, ...args }),
  arrow: (path: Path, args: Args = {}): DataFrame => fromSource("arrow", { path, ...args }),
  parquet: (path: Path, args: Args = {}): DataFrame => fromSource("parquet", { path, ...args }),
};
