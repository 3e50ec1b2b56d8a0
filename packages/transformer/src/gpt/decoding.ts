import {
  greedy,
  type NextTokenModel,
  type SamplingOptions,
  type StepOutput,
  sample,
} from '@scratchseq/decoding';
import { noGrad, scope, type Tensor, tensor } from '@scratchseq/gpu';
import type { KVCache } from './kv-cache.js';
import type { GPT } from './model.js';

/**
 * One hypothesis's decoding state: a row of a KV cache that the adapter shares across the
 * batch, so a decoding step is one batched `forwardCached` call.
 */
export interface GPTDecodeState {
  cache: KVCache;
  row: number;
}

/** A `NextTokenModel` over a GPT that also frees the caches it made. */
export interface GPTNextTokenModel extends NextTokenModel<GPTDecodeState> {
  /** Frees every KV cache this adapter still holds; call it when decoding is done. */
  dispose(): void;
}

/**
 * Adapts a GPT to `@scratchseq/decoding` (greedy, sample, beamSearch, ...). `start` fills a KV
 * cache from the prompt (its last blockSize tokens, as nanoGPT crops); `step` appends one
 * token per row; `reorderStates` gathers cache rows for the new batch (repeated rows are
 * copies, so forked beams never share a cache) and frees the old cache. Once a cache is full,
 * each step recomputes the last blockSize tokens from scratch, which is exactly nanoGPT's
 * cropped-context generation.
 */
export function gptNextTokenModel(gpt: GPT): GPTNextTokenModel {
  const { blockSize, vocabSize } = gpt.config;
  const device = gpt.transformer.wte.weight.device;
  const live = new Set<KVCache>();

  const newCache = (batch: number) => {
    const cache = gpt.createKVCache(batch);
    live.add(cache);
    return cache;
  };
  const free = (cache: KVCache) => {
    live.delete(cache);
    cache.dispose();
  };

  /**
   * Runs tokens (B, T) through the cache and returns the last position's logits as a device
   * tensor (B, V): `@scratchseq/decoding` filters and samples large vocabularies on the device
   * and reads the scores back only when a strategy needs them on the host.
   */
  function advance(cache: KVCache, rows: number[][]): Tensor {
    const idx = tensor(Int32Array.from(rows.flat()), {
      shape: [rows.length, rows[0].length],
      dtype: 'i32',
      device,
    });
    const logits: Tensor = scope(() =>
      noGrad(() =>
        gpt.forwardCached(idx, cache, { lastPositionOnly: true }).reshape([rows.length, vocabSize]),
      ),
    );
    idx.dispose();
    return logits;
  }

  /** The batch's shared cache, with rows in state order (gathered if they are not). */
  function batchCache(states: readonly GPTDecodeState[]): KVCache {
    const cache = states[0].cache;
    if (states.some((s) => s.cache !== cache)) {
      throw new Error(
        'gptNextTokenModel: states come from different caches; pass the states this adapter returned',
      );
    }
    const inOrder = cache.batch === states.length && states.every((s, i) => s.row === i);
    if (inOrder) return cache;
    const gathered = cache.select(states.map((s) => s.row));
    live.add(gathered);
    return gathered;
  }

  const output = (scores: Tensor, cache: KVCache): StepOutput<GPTDecodeState> => ({
    scores,
    kind: 'logits',
    states: Array.from({ length: cache.batch }, (_, row) => ({ cache, row })),
  });

  return {
    vocabSize,

    async start(prompt) {
      if (prompt.length === 0) {
        throw new Error(
          'gptNextTokenModel: the prompt is empty; start from at least one token (e.g. a BOS or newline id)',
        );
      }
      for (const id of prompt) {
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new Error(`gptNextTokenModel: prompt token ${id} is outside [0, ${vocabSize})`);
        }
      }
      const cache = newCache(1);
      return output(advance(cache, [prompt.slice(-blockSize)]), cache);
    },

    async step(lastTokens, states, sequences) {
      let cache = batchCache(states);
      if (cache.remaining > 0) {
        return output(
          advance(
            cache,
            Array.from(lastTokens, (t) => [t]),
          ),
          cache,
        );
      }
      // Full context: recompute from the last blockSize tokens of each row (nanoGPT's crop).
      const old = cache;
      cache = newCache(old.batch);
      free(old);
      return output(
        advance(
          cache,
          sequences.map((s) => s.slice(-blockSize)),
        ),
        cache,
      );
    },

    reorderStates(states, indices) {
      const cache = batchCache(states);
      const rows = Array.from(indices, (i) => states[i].row);
      const next = cache.select(rows);
      live.add(next);
      for (const old of new Set([cache, ...states.map((s) => s.cache)])) free(old);
      return Array.from({ length: next.batch }, (_, row) => ({ cache: next, row }));
    },

    dispose() {
      for (const cache of [...live]) free(cache);
    },
  };
}

/** Options of `GPT.generate`, nanoGPT's sampling knobs plus greedy and stop tokens. */
export interface GenerateOptions {
  /** Tokens to generate (a stop token counts). */
  maxNewTokens: number;
  /** Softmax temperature (default 1); 0 means greedy. */
  temperature?: number;
  /** Keep the k most probable tokens (default off). */
  topK?: number;
  /** Nucleus sampling mass (default off). */
  topP?: number;
  /** Seed of the sampler (default 0), so a seed reproduces a sample. */
  seed?: number;
  /** Always take the most probable token. */
  greedy?: boolean;
  /** Stop after generating any of these token ids (it is included in the output). */
  stop?: number[];
}

/** `GPT.generate`: the prompt followed by the generated tokens, with the KV cache. */
export async function generateTokens(
  gpt: GPT,
  prompt: number[],
  options: GenerateOptions,
): Promise<number[]> {
  const { maxNewTokens } = options;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
    throw new Error(`generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  }
  if (maxNewTokens === 0) return [...prompt];
  const model = gptNextTokenModel(gpt);
  const wasTraining = gpt.training;
  gpt.eval();
  try {
    const shared = {
      maxLength: maxNewTokens,
      eosTokenId: options.stop && options.stop.length > 0 ? options.stop : undefined,
    };
    if (options.greedy || options.temperature === 0) {
      const best = await greedy(model, prompt, shared);
      return [...prompt, ...best.tokens];
    }
    const sampling: SamplingOptions = {
      ...shared,
      temperature: options.temperature ?? 1,
      topK: options.topK ?? 0,
      topP: options.topP ?? 1,
      seed: options.seed ?? 0,
    };
    const { sequences } = await sample(model, prompt, sampling);
    return [...prompt, ...sequences[0].tokens];
  } finally {
    model.dispose();
    gpt.train(wasTraining);
  }
}
