import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { GPT } from '../gpt/model.js';
import { type HFGPT2Config, type LoadGPT2Options, loadGPT2 } from './gpt2.js';

export interface LoadGPT2FileOptions extends Omit<LoadGPT2Options, 'config'> {
  /** A parsed config.json or a path to one. Default: `config.json` beside the model, if any. */
  config?: HFGPT2Config | string;
}

/**
 * `loadGPT2` from a path (Node only): a `model.safetensors` file, or a folder holding
 * `model.safetensors` and `config.json` (a Hugging Face snapshot of `gpt2`).
 */
export async function loadGPT2File(path: string, options: LoadGPT2FileOptions = {}): Promise<GPT> {
  const isFolder = (await stat(path)).isDirectory();
  const modelPath = isFolder ? join(path, 'model.safetensors') : path;
  const bytes = new Uint8Array(await readFile(modelPath));
  let config: HFGPT2Config | undefined;
  if (typeof options.config === 'object') {
    config = options.config;
  } else if (typeof options.config === 'string') {
    config = JSON.parse(await readFile(options.config, 'utf8')) as HFGPT2Config;
  } else {
    const beside = join(isFolder ? path : dirname(path), 'config.json');
    const text = await readFile(beside, 'utf8').catch(() => undefined);
    if (text !== undefined) config = JSON.parse(text) as HFGPT2Config;
  }
  return loadGPT2(bytes, { ...options, config });
}
