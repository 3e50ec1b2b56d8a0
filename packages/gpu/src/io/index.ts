export { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from './half.js';
export type {
  ParsedSafetensors,
  SafetensorsData,
  SafetensorsDType,
  SafetensorsEntry,
  SafetensorsTensor,
  SafetensorsWriteDType,
} from './safetensors.js';
export { MAX_HEADER_BYTES, parseSafetensors, serializeSafetensors } from './safetensors.js';
export type { LoadSafetensorsOptions, SaveSafetensorsOptions } from './tensors.js';
export { loadSafetensors, saveSafetensors, tensorsFromSafetensors } from './tensors.js';
