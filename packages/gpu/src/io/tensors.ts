import { type Device, getDevice } from '../device.js';
import type { DType } from '../dtype.js';
import { Tensor, tensor } from '../tensor.js';
import {
  type ParsedSafetensors,
  parseSafetensors,
  type SafetensorsData,
  type SafetensorsEntry,
  type SafetensorsTensor,
  serializeSafetensors,
} from './safetensors.js';

export interface LoadSafetensorsOptions {
  /** Device for the tensors; default: the current device (`init()`). */
  device?: Device;
}

export interface SaveSafetensorsOptions {
  /** How to store f32 tensors: 'F32' (default, lossless), or 'F16'/'BF16' to halve the file. */
  floatDtype?: 'F32' | 'F16' | 'BF16';
}

/** The ScratchSeq dtype a file's tensor becomes: floats → f32, unsigned and BOOL → u32, signed → i32. */
function deviceDtype(stored: SafetensorsTensor): DType {
  switch (stored.dtype) {
    case 'F64':
    case 'F32':
    case 'F16':
    case 'BF16':
      return 'f32';
    case 'U32':
    case 'U16':
    case 'U8':
    case 'BOOL':
      return 'u32';
    default:
      return 'i32';
  }
}

function widen(data: SafetensorsData, dtype: DType): Float32Array | Int32Array | Uint32Array {
  if (dtype === 'f32') return data instanceof Float32Array ? data : Float32Array.from(data);
  if (dtype === 'u32') return data instanceof Uint32Array ? data : Uint32Array.from(data);
  return data instanceof Int32Array ? data : Int32Array.from(data);
}

/** Uploads parsed tensors to a device. */
export function tensorsFromSafetensors(
  parsed: ParsedSafetensors,
  options: LoadSafetensorsOptions = {},
): Record<string, Tensor> {
  const device = options.device ?? getDevice();
  const entries: [string, Tensor][] = [];
  for (const [name, stored] of parsed.tensors) {
    const dtype = deviceDtype(stored);
    entries.push([name, tensor(widen(stored.data, dtype), { shape: stored.shape, dtype, device })]);
  }
  // fromEntries defines own properties, so a tensor named "__proto__" stays a plain entry.
  return Object.fromEntries(entries);
}

/**
 * Parses a safetensors file and uploads every tensor: F32/F16/BF16/F64 as f32, I64/I32/I16/I8
 * as i32 (I64 values must fit), U32/U16/U8/BOOL as u32. Metadata: `parseSafetensors(bytes).metadata`.
 */
export function loadSafetensors(
  bytes: Uint8Array,
  options: LoadSafetensorsOptions = {},
): Record<string, Tensor> {
  return tensorsFromSafetensors(parseSafetensors(bytes), options);
}

/**
 * Reads tensors back from their device (`toArray()`) and writes them as a safetensors file:
 * f32 as F32 (or `floatDtype`), i32 as I32, u32 as U32. Views are written as their elements,
 * row-major. Names follow the record's key order.
 */
export async function saveSafetensors(
  record: Record<string, Tensor>,
  metadata: Record<string, string> = {},
  options: SaveSafetensorsOptions = {},
): Promise<Uint8Array> {
  const entries = new Map<string, SafetensorsEntry>();
  for (const [name, t] of Object.entries(record)) {
    if (!(t instanceof Tensor)) {
      throw new Error(`saveSafetensors: ${JSON.stringify(name)} is not a Tensor`);
    }
    const values = await t.toArray();
    const dtype =
      t.dtype === 'f32' ? (options.floatDtype ?? 'F32') : t.dtype === 'i32' ? 'I32' : 'U32';
    entries.set(name, { dtype, shape: [...t.shape], data: values });
  }
  return serializeSafetensors(entries, metadata);
}
