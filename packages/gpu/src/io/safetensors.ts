/**
 * safetensors (https://github.com/huggingface/safetensors) read and write as pure functions on
 * bytes, for Node and browsers alike.
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
 *   { "<name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
 *     "__metadata__": { "<key>": "<string>" } }
 * then the data section; offsets are relative to the start of the data section, and each
 * tensor's bytes are its elements row-major, little-endian.
 *
 * Parsing treats the file as hostile: every length and offset is checked before any byte is
 * read, and every failure says what is wrong with which tensor.
 */

import { bf16BitsToF32, f16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from './half.js';

/** Element types of the safetensors format this module reads. */
export type SafetensorsDType =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** Element types this module writes. */
export type SafetensorsWriteDType = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U32' | 'U8' | 'BOOL';

/** Decoded element arrays: floats widen or narrow to f32, I64 narrows to i32 (checked). */
export type SafetensorsData =
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

export interface SafetensorsTensor {
  /** The dtype stored in the file (the data may be wider or narrower; see `SafetensorsData`). */
  dtype: SafetensorsDType;
  shape: number[];
  data: SafetensorsData;
}

export interface ParsedSafetensors {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A tensor to write: its elements row-major, and the dtype to store them as. */
export interface SafetensorsEntry {
  dtype: SafetensorsWriteDType;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** Headers beyond this are refused as hostile (real ones are kilobytes; the reference implementation caps at 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';

/** Bytes per element, for every dtype the format defines (unsupported ones get a clear error). */
const ITEM_SIZE: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

const READABLE = new Set<string>([
  'F64',
  'F32',
  'F16',
  'BF16',
  'I64',
  'I32',
  'I16',
  'I8',
  'U32',
  'U16',
  'U8',
  'BOOL',
]);

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string): never {
  throw new Error(`invalid safetensors file: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Elements in `shape`, or an error when a dimension is not a non-negative safe integer or the product overflows. */
function elementCount(shape: unknown, where: string): number {
  if (!Array.isArray(shape))
    fail(`${where}: "shape" must be an array of integers, got ${JSON.stringify(shape)}`);
  let count = 1;
  for (const dim of shape) {
    if (typeof dim !== 'number' || !Number.isSafeInteger(dim) || dim < 0) {
      fail(
        `${where}: shape ${JSON.stringify(shape)} has dimension ${JSON.stringify(dim)}; dimensions must be non-negative integers`,
      );
    }
    count *= dim;
  }
  // Checked after the loop so that a zero dimension anywhere gives zero elements, as in PyTorch.
  if (!Number.isSafeInteger(count)) {
    fail(
      `${where}: shape ${JSON.stringify(shape)} has more elements than a safe integer (absurd size)`,
    );
  }
  return count;
}

/**
 * Parses a safetensors file. Every tensor is copied out of `bytes` into its own typed array:
 * F32/F16/BF16/F64 as Float32Array, I64 as Int32Array (an error names the first value outside
 * the i32 range), the other integer types in their own width, BOOL as Uint8Array.
 */
export function parseSafetensors(bytes: Uint8Array): ParsedSafetensors {
  if (!(bytes instanceof Uint8Array)) fail('expected the file as a Uint8Array');
  if (bytes.length < 8) {
    fail(`the file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(`the header length is ${headerLength} bytes, beyond the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerBytes = Number(headerLength);
  if (8 + headerBytes > bytes.length) {
    fail(
      `the header length is ${headerBytes} bytes but only ${bytes.length - 8} bytes follow it (truncated file?)`,
    );
  }

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) {
    fail(
      `the header must be a JSON object, got ${Array.isArray(header) ? 'an array' : JSON.stringify(header)}`,
    );
  }

  const dataStart = 8 + headerBytes;
  const dataLength = bytes.length - dataStart;
  const metadata = parseMetadata(header[METADATA_KEY]);

  interface Span {
    name: string;
    dtype: SafetensorsDType;
    shape: number[];
    begin: number;
    end: number;
  }
  const spans: Span[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const where = `tensor ${JSON.stringify(name)}`;
    if (!isPlainObject(entry))
      fail(`${where}: expected {dtype, shape, data_offsets}, got ${JSON.stringify(entry)}`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) {
      fail(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
    }
    if (!READABLE.has(dtype)) {
      fail(`${where}: dtype ${dtype} is not supported (readable: ${[...READABLE].join(', ')})`);
    }
    const count = elementCount(shape, where);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
    ) {
      fail(
        `${where}: "data_offsets" must be [begin, end] with non-negative integers, got ${JSON.stringify(offsets)}`,
      );
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) {
      fail(
        `${where}: data_offsets [${begin}, ${end}] reach past the ${dataLength}-byte data section`,
      );
    }
    const itemSize = ITEM_SIZE[dtype];
    const expected = count * itemSize;
    if (!Number.isSafeInteger(expected) || end - begin !== expected) {
      fail(
        `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} shape ${JSON.stringify(shape)} needs ${count} × ${itemSize} = ${expected} bytes`,
      );
    }
    spans.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end });
  }

  // No two tensors may share bytes (empty tensors occupy none and may sit anywhere).
  const occupied = spans.filter((s) => s.end > s.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < occupied.length; i++) {
    const prev = occupied[i - 1];
    const next = occupied[i];
    if (next.begin < prev.end) {
      fail(
        `tensors ${JSON.stringify(prev.name)} [${prev.begin}, ${prev.end}] and ${JSON.stringify(next.name)} [${next.begin}, ${next.end}] overlap`,
      );
    }
  }

  const tensors = new Map<string, SafetensorsTensor>();
  for (const span of spans) {
    const raw = bytes.subarray(dataStart + span.begin, dataStart + span.end);
    tensors.set(span.name, {
      dtype: span.dtype,
      shape: [...span.shape],
      data: decode(raw, span.dtype, span.name),
    });
  }
  return { tensors, metadata };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value))
    fail(`"__metadata__" must be an object of strings, got ${JSON.stringify(value)}`);
  const entries: [string, string][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      fail(
        `"__metadata__" value for ${JSON.stringify(key)} must be a string, got ${JSON.stringify(v)}`,
      );
    entries.push([key, v]);
  }
  // fromEntries defines own properties, so a key such as "__proto__" cannot change the prototype.
  return Object.fromEntries(entries);
}

/** A copy of `raw` in a fresh, aligned buffer. */
function copyBuffer(raw: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  return copy.buffer;
}

function decode(raw: Uint8Array, dtype: SafetensorsDType, name: string): SafetensorsData {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = raw.length / ITEM_SIZE[dtype];
  switch (dtype) {
    case 'F32': {
      if (LITTLE_ENDIAN_HOST) return new Float32Array(copyBuffer(raw));
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    }
    case 'F64': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(view.getUint16(2 * i, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = bf16BitsToF32(view.getUint16(2 * i, true));
      return out;
    }
    case 'I64': {
      // In range for i32 exactly when the high word is the sign extension of the low word.
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const low = view.getInt32(8 * i, true);
        const high = view.getInt32(8 * i + 4, true);
        if (high !== low >> 31) {
          throw new Error(
            `tensor ${JSON.stringify(name)}: I64 value ${view.getBigInt64(8 * i, true)} at index ${i} does not fit in i32 (range −2^31 … 2^31−1); ScratchSeq keeps integer tensors as i32`,
          );
        }
        out[i] = low;
      }
      return out;
    }
    case 'I32': {
      if (LITTLE_ENDIAN_HOST) return new Int32Array(copyBuffer(raw));
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    }
    case 'U32': {
      if (LITTLE_ENDIAN_HOST) return new Uint32Array(copyBuffer(raw));
      const out = new Uint32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, true);
      return out;
    }
    case 'I16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true);
      return out;
    }
    case 'U16': {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, true);
      return out;
    }
    case 'I8':
      return new Int8Array(copyBuffer(raw));
    case 'U8':
      return new Uint8Array(copyBuffer(raw));
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = raw[i] !== 0 ? 1 : 0;
      return out;
    }
  }
}

const WRITE_ITEM_SIZE: Record<SafetensorsWriteDType, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  I32: 4,
  I64: 8,
  U32: 4,
  U8: 1,
  BOOL: 1,
};

/**
 * Writes tensors and string metadata as a safetensors file. Tensors are laid out in the
 * order given; the header is padded with spaces to a multiple of 8 bytes so the data section
 * is aligned (as the reference implementation does).
 */
export function serializeSafetensors(
  entries: Map<string, SafetensorsEntry> | Record<string, SafetensorsEntry>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const list = entries instanceof Map ? [...entries] : Object.entries(entries);
  const header: Record<string, unknown> = {};
  const define = (key: string, value: unknown) =>
    Object.defineProperty(header, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });

  if (!isPlainObject(metadata))
    throw new Error('serializeSafetensors: metadata must be an object of strings');
  const metaEntries = Object.entries(metadata);
  for (const [key, value] of metaEntries) {
    if (typeof value !== 'string') {
      throw new Error(
        `serializeSafetensors: metadata ${JSON.stringify(key)} must be a string, got ${typeof value}`,
      );
    }
  }
  if (metaEntries.length > 0) define(METADATA_KEY, Object.fromEntries(metaEntries));

  let offset = 0;
  for (const [name, entry] of list) {
    const where = `serializeSafetensors: tensor ${JSON.stringify(name)}`;
    if (name === METADATA_KEY) throw new Error(`${where}: the name is reserved for metadata`);
    const itemSize = WRITE_ITEM_SIZE[entry.dtype];
    if (itemSize === undefined) {
      throw new Error(
        `${where}: cannot write dtype ${JSON.stringify(entry.dtype)} (writable: ${Object.keys(WRITE_ITEM_SIZE).join(', ')})`,
      );
    }
    let count = 1;
    for (const dim of entry.shape) {
      if (!Number.isSafeInteger(dim) || dim < 0) {
        throw new Error(
          `${where}: shape ${JSON.stringify(entry.shape)} must hold non-negative integers`,
        );
      }
      count *= dim;
    }
    if (count !== entry.data.length) {
      throw new Error(
        `${where}: shape ${JSON.stringify(entry.shape)} needs ${count} values, got ${entry.data.length}`,
      );
    }
    const bytes = count * itemSize;
    define(name, {
      dtype: entry.dtype,
      shape: [...entry.shape],
      data_offsets: [offset, offset + bytes],
    });
    offset += bytes;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);

  let position = 8 + headerLength;
  for (const [name, entry] of list) {
    position = encode(view, position, entry, name);
  }
  return out;
}

/** Writes `entry`'s elements at `position`; returns the position after them. */
function encode(view: DataView, position: number, entry: SafetensorsEntry, name: string): number {
  const { data } = entry;
  const n = data.length;
  const checkInteger = (value: number, min: number, max: number, i: number) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(
        `serializeSafetensors: tensor ${JSON.stringify(name)} value ${value} at index ${i} is not a ${entry.dtype} integer`,
      );
    }
  };
  switch (entry.dtype) {
    case 'F32':
      if (LITTLE_ENDIAN_HOST) {
        const floats = data instanceof Float32Array ? data : Float32Array.from(data);
        new Uint8Array(view.buffer, position, 4 * n).set(
          new Uint8Array(floats.buffer, floats.byteOffset, 4 * n),
        );
      } else {
        for (let i = 0; i < n; i++) view.setFloat32(position + 4 * i, data[i], true);
      }
      return position + 4 * n;
    case 'F16':
      for (let i = 0; i < n; i++) view.setUint16(position + 2 * i, f32ToF16Bits(data[i]), true);
      return position + 2 * n;
    case 'BF16':
      for (let i = 0; i < n; i++) view.setUint16(position + 2 * i, f32ToBf16Bits(data[i]), true);
      return position + 2 * n;
    case 'I32':
      for (let i = 0; i < n; i++) {
        checkInteger(data[i], -(2 ** 31), 2 ** 31 - 1, i);
        view.setInt32(position + 4 * i, data[i], true);
      }
      return position + 4 * n;
    case 'I64':
      for (let i = 0; i < n; i++) {
        checkInteger(data[i], Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, i);
        view.setBigInt64(position + 8 * i, BigInt(data[i]), true);
      }
      return position + 8 * n;
    case 'U32':
      for (let i = 0; i < n; i++) {
        checkInteger(data[i], 0, 2 ** 32 - 1, i);
        view.setUint32(position + 4 * i, data[i], true);
      }
      return position + 4 * n;
    case 'U8':
      for (let i = 0; i < n; i++) {
        checkInteger(data[i], 0, 255, i);
        view.setUint8(position + i, data[i]);
      }
      return position + n;
    case 'BOOL':
      for (let i = 0; i < n; i++) view.setUint8(position + i, data[i] ? 1 : 0);
      return position + n;
  }
}
