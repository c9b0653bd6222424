/**
 * What sources over a list of structured files (Arrow, Parquet) share: resolving the inputs
 * once, and taking the schema from the first file — or from the options when the input may be
 * empty. Subclasses say how to read one file's schema and how to read batches.
 */

import type { Schema } from "apache-arrow";
import type { PositionedBatch, Source, SourcePosition, SourceReadOptions } from "../../runtime/api/source.js";
import { connectorError } from "../errors.js";
import { resolveFiles, type FileEntry, type ResolveOptions } from "../files/resolve-files.js";

export interface FileListSourceOptions extends ResolveOptions {
  /** The schema when the input may be empty (`allowEmpty`); otherwise the first file's. */
  readonly schema?: Schema;
}

export abstract class FileListSource<O extends FileListSourceOptions> implements Source {
  readonly name: string;
  private listing: Promise<FileEntry[]> | undefined;
  private resolved: Promise<Schema> | undefined;

  protected constructor(
    kind: string,
    private readonly extensions: readonly string[],
    protected readonly inputs: string | readonly string[],
    protected readonly opts: O,
  ) {
    this.name = `${kind}(${typeof inputs === "string" ? inputs : inputs.join(",")})`;
  }

  /** The input files, resolved once, in read order. */
  files(): Promise<FileEntry[]> {
    this.listing ??= resolveFiles(this.name, this.inputs, { extensions: this.extensions, ...this.opts });
    return this.listing;
  }

  schema(): Promise<Schema> {
    this.resolved ??= (async () => {
      const first = (await this.files())[0];
      if (first === undefined) {
        if (this.opts.schema !== undefined) return this.opts.schema;
        throw connectorError(this.name, undefined, "no input files to take the schema from (pass a schema)");
      }
      return this.fileSchema(first.path);
    })();
    return this.resolved;
  }

  /** The schema of one file, as this source will emit it. */
  protected abstract fileSchema(path: string): Promise<Schema>;

  abstract read(from: SourcePosition | undefined, opts: SourceReadOptions): AsyncIterable<PositionedBatch>;
}
