/**
 * @scratchseq/lstm — LSTM and GRU layers and cells with PyTorch's semantics and parameter
 * names on `@scratchseq/gpu`'s fused recurrent kernels (one dispatch per time step), plus
 * projections, peepholes, forget-gate bias init, gate/cell inspection, and weight import from
 * Keras/TensorFlow.js and ONNX layouts.
 */
export type {
  Inspection,
  RecurrentForwardOptions,
  RecurrentLayerOptions,
} from './common.js';
export { GRU, GRUCell } from './gru.js';
export {
  gruFromKeras,
  gruFromOnnx,
  type ImportOptions,
  type KerasImportOptions,
  type KerasWeights,
  lstmFromKeras,
  lstmFromOnnx,
  type OnnxImportOptions,
  type OnnxWeights,
  type StateDict,
} from './import.js';
export { LSTM, LSTMCell, type LSTMOptions, type LSTMState } from './lstm.js';
