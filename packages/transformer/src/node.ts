/**
 * @scratchseq/transformer/node — file checkpoints for the Trainer (Node only: uses the file
 * system through `@scratchseq/gpu/node`'s atomic checkpoints).
 *
 *   const trainer = new Trainer(model, data, config, { onCheckpoint: fileCheckpointer('out', { config: { model: model.config } }) });
 *   // later: trainer.restore(await loadTrainerCheckpoint('out'));
 */

export { type LoadGPT2FileOptions, loadGPT2File } from './pretrained/gpt2-node.js';
export {
  type FileCheckpointOptions,
  fileCheckpointer,
  LOSS_CHART_FILE,
  loadTrainerCheckpoint,
  saveTrainerCheckpoint,
} from './train/checkpoint-node.js';
