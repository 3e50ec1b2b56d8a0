import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Device } from '@scratchseq/gpu';
import {
  type LoadedCheckpoint,
  loadCheckpoint,
  type SavedCheckpoint,
  saveCheckpoint,
} from '@scratchseq/gpu/node';
import {
  lossChartSvg,
  type Trainer,
  type TrainerCheckpoint,
  type TrainerState,
} from './trainer.js';

/** The loss curve written beside the checkpoint manifest. */
export const LOSS_CHART_FILE = 'loss.svg';

export interface FileCheckpointOptions {
  /** JSON stored as the checkpoint's config.json, e.g. `{ model: gpt.config, tokenizer: tok.toJSON() }`. */
  config?: unknown;
  /** Title of the loss chart. */
  chartTitle?: string;
}

/**
 * Saves a trainer checkpoint atomically into `dir` (a new generation, then the manifest; see
 * `saveCheckpoint`): `model.safetensors` holds the model's state_dict plus the optimizer
 * moments under `optim.<index>.<name>` (drop those keys to load the weights in PyTorch),
 * `state.json` the trainer state. Then writes `loss.svg` beside it (temp file + rename).
 */
export async function saveTrainerCheckpoint(
  dir: string,
  checkpoint: TrainerCheckpoint,
  options: FileCheckpointOptions = {},
): Promise<SavedCheckpoint> {
  const saved = await saveCheckpoint(dir, {
    tensors: checkpoint.tensors,
    config: options.config ?? {},
    state: checkpoint.state,
    metadata: { iter: String(checkpoint.state.iter) },
  });
  await mkdir(dir, { recursive: true });
  const chart = join(dir, LOSS_CHART_FILE);
  const temp = `${chart}.tmp-${randomBytes(6).toString('hex')}`;
  await writeFile(temp, lossChartSvg(checkpoint.state.history, options.chartTitle));
  await rename(temp, chart);
  return saved;
}

/** An `onCheckpoint` callback that saves into `dir` with `saveTrainerCheckpoint`. */
export function fileCheckpointer(
  dir: string,
  options: FileCheckpointOptions = {},
): (checkpoint: TrainerCheckpoint, trainer: Trainer) => Promise<void> {
  return async (checkpoint) => {
    await saveTrainerCheckpoint(dir, checkpoint, options);
  };
}

/**
 * Loads the current checkpoint of `dir` (verified against its manifest). Pass it to
 * `trainer.restore()`; `config` is what `FileCheckpointOptions.config` stored.
 */
export async function loadTrainerCheckpoint(
  dir: string,
  options: { device?: Device } = {},
): Promise<LoadedCheckpoint & { state: TrainerState }> {
  const loaded = await loadCheckpoint(dir, { device: options.device });
  const state = loaded.state as TrainerState | undefined;
  if (state?.format !== 'scratchseq-trainer') {
    throw new Error(
      `${dir} holds a checkpoint without trainer state (state.json); it can be loaded for sampling with loadCheckpoint, but not resumed`,
    );
  }
  return { ...loaded, state };
}
