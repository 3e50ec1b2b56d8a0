export { BpeTokenizer, type BpeTrainOptions, type Pretokenizer, pretokenize } from './bpe.js';
export { CharTokenizer } from './char.js';
export type { BpeTokenizerJSON, CharTokenizerJSON, Tokenizer, TokenizerJSON } from './types.js';
export { decodeWtf8, encodeWtf8 } from './wtf8.js';

import { BpeTokenizer } from './bpe.js';
import { CharTokenizer } from './char.js';
import type { Tokenizer, TokenizerJSON } from './types.js';

/** Rebuilds a tokenizer saved with `toJSON()`, whichever kind it is. */
export function tokenizerFromJSON(json: TokenizerJSON): Tokenizer {
  if (json?.type === 'char') return CharTokenizer.fromJSON(json);
  if (json?.type === 'bpe') return BpeTokenizer.fromJSON(json);
  throw new Error(
    `tokenizerFromJSON: unknown tokenizer type ${JSON.stringify((json as { type?: unknown })?.type)}; expected 'char' or 'bpe'`,
  );
}
