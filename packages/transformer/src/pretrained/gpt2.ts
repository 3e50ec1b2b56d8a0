import {
  type Device,
  type ParsedSafetensors,
  parseSafetensors,
  type SafetensorsTensor,
} from '@scratchseq/gpu';
import type { GPTConfig } from '../gpt/config.js';
import { GPT } from '../gpt/model.js';

/** The fields of a Hugging Face GPT-2 `config.json` that shape the model. */
export interface HFGPT2Config {
  vocab_size?: number;
  n_positions?: number;
  n_embd?: number;
  n_layer?: number;
  n_head?: number;
  n_inner?: number | null;
  activation_function?: string;
  layer_norm_epsilon?: number;
}

export interface LoadGPT2Options {
  /**
   * The checkpoint's parsed `config.json`. Without one the config is inferred from the tensor
   * shapes (see `nHead`).
   */
  config?: HFGPT2Config;
  /**
   * Heads, when there is no config.json: shapes cannot tell it. Default nEmbd / 64, the head
   * size of every released GPT-2 (small 12, medium 16, large 20, xl 25 heads).
   */
  nHead?: number;
  /** Dropout of the returned model (default 0; it is returned in eval mode). */
  dropout?: number;
  device?: Device;
}

/** The Conv1D weights that Hugging Face stores (in, out) and nn.Linear wants (out, in). */
const CONV1D = ['attn.c_attn.weight', 'attn.c_proj.weight', 'mlp.c_fc.weight', 'mlp.c_proj.weight'];
/** Registered buffers of HF's GPT2Attention (a causal mask and its fill value): not weights. */
const BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;

/**
 * Loads a GPT-2 checkpoint in Hugging Face's safetensors layout (`model.safetensors` of
 * `gpt2`, `distilgpt2`, ... or a `GPT2LMHeadModel` state dict) into a GPT for inference, from
 * the file's bytes (in Node, `loadGPT2File` from `@scratchseq/transformer/node` reads a path).
 * Keys may carry the `transformer.` prefix or not; Conv1D weights are transposed; the
 * attention buffers are ignored; a missing or equal `lm_head.weight` means tied embeddings.
 * GELU is GPT-2's tanh form unless the config says `activation_function: "gelu"`.
 */
export function loadGPT2(bytes: Uint8Array, options: LoadGPT2Options = {}): GPT {
  return gpt2FromSafetensors(parseSafetensors(bytes), options);
}

/** `loadGPT2` on an already parsed file. */
export function gpt2FromSafetensors(parsed: ParsedSafetensors, options: LoadGPT2Options = {}): GPT {
  const tensors = new Map<string, SafetensorsTensor>();
  for (const [name, t] of parsed.tensors) {
    const key = name.startsWith('transformer.') ? name.slice('transformer.'.length) : name;
    if (!BUFFER.test(key)) tensors.set(key, t);
  }
  const config = inferConfig(tensors, options);
  const state: Record<string, Float32Array> = {};
  const take = (key: string, shape: number[]) => {
    const t = tensors.get(key);
    if (!t) throw new Error(`loadGPT2: the checkpoint has no ${key} (expected ${fmt(shape)})`);
    if (!(t.data instanceof Float32Array)) {
      throw new Error(`loadGPT2: ${key} holds ${t.dtype}, expected a floating-point tensor`);
    }
    const transposed = CONV1D.some((suffix) => key.endsWith(suffix));
    const stored = transposed ? [shape[1], shape[0]] : shape;
    if (t.shape.length !== stored.length || t.shape.some((d, i) => d !== stored[i])) {
      throw new Error(
        `loadGPT2: ${key} has shape ${fmt(t.shape)}, expected ${fmt(stored)} for ${describe(config)}`,
      );
    }
    tensors.delete(key);
    return transposed ? transpose2d(t.data, stored[0], stored[1]) : t.data;
  };
  const C = config.nEmbd;
  state['transformer.wte.weight'] = take('wte.weight', [config.vocabSize, C]);
  state['transformer.wpe.weight'] = take('wpe.weight', [config.blockSize, C]);
  const layerNorm = (key: string) => {
    state[`transformer.${key}.weight`] = take(`${key}.weight`, [C]);
    if (config.bias) state[`transformer.${key}.bias`] = take(`${key}.bias`, [C]);
  };
  const linear = (key: string, out: number, inp: number) => {
    state[`transformer.${key}.weight`] = take(`${key}.weight`, [out, inp]);
    if (config.bias) state[`transformer.${key}.bias`] = take(`${key}.bias`, [out]);
  };
  for (let i = 0; i < config.nLayer; i++) {
    layerNorm(`h.${i}.ln_1`);
    linear(`h.${i}.attn.c_attn`, 3 * C, C);
    linear(`h.${i}.attn.c_proj`, C, C);
    layerNorm(`h.${i}.ln_2`);
    linear(`h.${i}.mlp.c_fc`, 4 * C, C);
    linear(`h.${i}.mlp.c_proj`, C, 4 * C);
  }
  layerNorm('ln_f');
  state['lm_head.weight'] = config.tieWeights
    ? state['transformer.wte.weight']
    : take('lm_head.weight', [config.vocabSize, C]);
  tensors.delete('lm_head.weight');
  if (tensors.size > 0) {
    throw new Error(
      `loadGPT2: unexpected tensors ${[...tensors.keys()].slice(0, 8).join(', ')}: not a GPT-2 language model checkpoint (or one with extras this loader does not know)`,
    );
  }
  const gpt = new GPT(config, { device: options.device, seed: 0 });
  gpt.loadStateDict(state);
  return gpt.eval();
}

function inferConfig(
  tensors: Map<string, SafetensorsTensor>,
  options: { config?: HFGPT2Config; nHead?: number; dropout?: number },
): GPTConfig {
  const wte = tensors.get('wte.weight');
  const wpe = tensors.get('wpe.weight');
  if (!wte || !wpe || wte.shape.length !== 2 || wpe.shape.length !== 2) {
    throw new Error(
      'loadGPT2: no 2-D wte.weight / wpe.weight (or transformer.wte.weight): not a GPT-2 checkpoint',
    );
  }
  const [vocabSize, nEmbd] = wte.shape;
  const blockSize = wpe.shape[0];
  const layers = new Set<number>();
  for (const key of tensors.keys()) {
    const m = /^h\.(\d+)\./.exec(key);
    if (m) layers.add(Number(m[1]));
  }
  const hf = options.config ?? {};
  const checks: [string, number | undefined, number][] = [
    ['vocab_size', hf.vocab_size, vocabSize],
    ['n_embd', hf.n_embd, nEmbd],
    ['n_positions', hf.n_positions, blockSize],
    ['n_layer', hf.n_layer, layers.size],
  ];
  for (const [name, stated, found] of checks) {
    if (stated !== undefined && stated !== found) {
      throw new Error(`loadGPT2: config.json says ${name} ${stated} but the tensors have ${found}`);
    }
  }
  if (hf.n_inner != null && hf.n_inner !== 4 * nEmbd) {
    throw new Error(`loadGPT2: n_inner ${hf.n_inner} is not supported (the MLP is 4·n_embd wide)`);
  }
  const activation = hf.activation_function ?? 'gelu_new';
  const gelu = activation === 'gelu' ? 'exact' : 'tanh';
  if (!['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'gelu_fast'].includes(activation)) {
    throw new Error(`loadGPT2: activation_function '${activation}' is not supported`);
  }
  const nHead = hf.n_head ?? options.nHead ?? (nEmbd % 64 === 0 ? nEmbd / 64 : undefined);
  if (nHead === undefined) {
    throw new Error(
      `loadGPT2: cannot tell the number of heads of a ${nEmbd}-wide model; pass its config.json or { nHead }`,
    );
  }
  const lmHead = tensors.get('lm_head.weight');
  const tieWeights = !lmHead || sameValues(lmHead.data, wte.data);
  return {
    vocabSize,
    blockSize,
    nLayer: layers.size,
    nHead,
    nEmbd,
    dropout: options.dropout ?? 0,
    bias: tensors.has('h.0.attn.c_attn.bias'),
    tieWeights,
    gelu,
    layerNormEps: hf.layer_norm_epsilon ?? 1e-5,
  };
}

function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const fmt = (shape: readonly number[]) => `(${shape.join(', ')})`;
const describe = (c: GPTConfig) =>
  `vocab ${c.vocabSize}, ${c.blockSize} positions, ${c.nLayer} layers, width ${c.nEmbd}`;
