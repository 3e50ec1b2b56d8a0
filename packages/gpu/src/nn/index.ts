/**
 * Modules and layers with PyTorch's parameter names and layouts, and weight initializers.
 *
 *   const model = new nn.Sequential(new nn.Linear(2, 16), new nn.Tanh(), new nn.Linear(16, 3));
 *   model.stateDict(); // { '0.weight', '0.bias', '2.weight', '2.bias' }
 */
export * as init from './init.js';
export {
  Conv1d,
  type Conv1dLayerOptions,
  Dropout,
  Embedding,
  GELU,
  type Layer,
  LayerNorm,
  type LayerOptions,
  Linear,
  type NormOptions,
  ReLU,
  RMSNorm,
  Sequential,
  Sigmoid,
  Tanh,
} from './layers.js';
export {
  type LoadStateDictOptions,
  type LoadStateDictResult,
  Module,
  parameter,
  type StateDictValue,
} from './module.js';
