export { SeededRandom } from './rng.js';
export {
  type Batch,
  type Split,
  TextDataset,
  type TextDatasetOptions,
  type TextDatasetState,
} from './text-dataset.js';
