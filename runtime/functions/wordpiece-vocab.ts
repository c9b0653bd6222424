/**
 * A WordPiece vocabulary as BERT ships it (`vocab.txt`): one token per line, the line number is
 * the id, continuation pieces carry a `##` prefix.
 */

import { readFile } from "node:fs/promises";
import { SluiceError } from "../../kernels/errors.js";

export class WordPieceVocab {
  /** Where the vocabulary came from, for messages. */
  readonly source: string;
  private readonly ids = new Map<string, number>();
  private readonly tokens: readonly string[];

  private constructor(tokens: readonly string[], source: string) {
    this.tokens = tokens;
    this.source = source;
    // A token listed twice keeps its last id, as Hugging Face's loader does, so ids match theirs.
    tokens.forEach((t, i) => this.ids.set(t, i));
  }

  /** Parses vocabulary text (`\n` or `\r\n`; a trailing newline adds no token). */
  static fromText(text: string, source = "<vocab text>"): WordPieceVocab {
    const lines = text.split(/\r?\n/);
    if (lines[lines.length - 1] === "") lines.pop();
    if (lines.length === 0) throw new SluiceError(`wordpiece: vocabulary ${source} is empty`, { step: "tokenize" });
    return new WordPieceVocab(lines, source);
  }

  /** Reads a vocabulary file. */
  static async fromFile(path: string): Promise<WordPieceVocab> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      throw new SluiceError(`wordpiece: cannot read vocabulary ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err, step: "tokenize" });
    }
    return WordPieceVocab.fromText(text, path);
  }

  static fromTokens(tokens: readonly string[], source = "<vocab list>"): WordPieceVocab {
    return WordPieceVocab.fromText(tokens.join("\n"), source);
  }

  get size(): number {
    return this.tokens.length;
  }

  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  tokenOf(id: number): string | undefined {
    return this.tokens[id];
  }

  /** The id of a token the tokenizer cannot work without (`[UNK]`, `[CLS]`, …), or an error naming it. */
  require(token: string, role: string): number {
    const id = this.ids.get(token);
    if (id === undefined) throw new SluiceError(`wordpiece: the ${role} token ${JSON.stringify(token)} is not in the vocabulary ${this.source}`, { step: "tokenize" });
    return id;
  }
}
