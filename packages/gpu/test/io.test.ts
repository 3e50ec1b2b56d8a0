import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, test } from 'vitest';
import {
  f16BitsToF32,
  f32ToBf16Bits,
  f32ToF16Bits,
  loadSafetensors,
  parseSafetensors,
  type SafetensorsEntry,
  saveSafetensors,
  serializeSafetensors,
  tensor,
} from '../src/index.js';
import { type CheckpointFs, loadCheckpoint, saveCheckpoint } from '../src/io/checkpoint-node.js';
import { cpuDevice, webgpuDevice } from './helpers/devices.js';

const pkgDir = new URL('..', import.meta.url).pathname;
const fixtures = join(pkgDir, 'fixtures/io');

/** A safetensors file from a header (object, or raw JSON text) and a data section. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: bigint) {
  const json = new TextEncoder().encode(
    typeof header === 'string' ? header : JSON.stringify(header),
  );
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32Entry = (shape: number[], offsets: [number, number]) => ({
  dtype: 'F32',
  shape,
  data_offsets: offsets,
});

describe('safetensors bytes', () => {
  test('[cpu] every writable dtype round-trips with shapes, order and metadata', () => {
    const entries: Record<string, SafetensorsEntry> = {
      weight: { dtype: 'F32', shape: [2, 3], data: [1.5, -2, 0.1, 1e-30, -0, 3.4e38] },
      half: { dtype: 'F16', shape: [3], data: [1, -0.5, 65504] },
      brain: { dtype: 'BF16', shape: [2], data: [1, -256] },
      ids: { dtype: 'I32', shape: [2, 2], data: [0, -1, 2 ** 31 - 1, -(2 ** 31)] },
      long: { dtype: 'I64', shape: [2], data: [-5, 2 ** 31 - 1] },
      unsigned: { dtype: 'U32', shape: [1], data: [2 ** 32 - 1] },
      bytes: { dtype: 'U8', shape: [2], data: [0, 255] },
      mask: { dtype: 'BOOL', shape: [3], data: [1, 0, 7] },
      scalar: { dtype: 'F32', shape: [], data: [42] },
      empty: { dtype: 'F32', shape: [0, 4], data: [] },
    };
    const bytes = serializeSafetensors(entries, { format: 'pt', note: 'é ✓' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8, 'data section 8-byte aligned').toBe(0);

    const { tensors, metadata } = parseSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'é ✓' });
    expect([...tensors.keys()]).toEqual(Object.keys(entries));
    for (const [name, entry] of Object.entries(entries)) {
      const got = tensors.get(name)!;
      expect(got.dtype, name).toBe(entry.dtype);
      expect(got.shape, name).toEqual(entry.shape);
    }
    expect(Array.from(tensors.get('weight')!.data)).toEqual(
      Array.from(Float32Array.from(entries.weight.data)),
    );
    expect(Object.is(tensors.get('weight')!.data[4], -0)).toBe(true);
    expect(Array.from(tensors.get('half')!.data)).toEqual([1, -0.5, 65504]);
    expect(Array.from(tensors.get('brain')!.data)).toEqual([1, -256]);
    expect(tensors.get('ids')!.data).toEqual(new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]));
    expect(tensors.get('long')!.data).toEqual(new Int32Array([-5, 2 ** 31 - 1]));
    expect(tensors.get('unsigned')!.data).toEqual(new Uint32Array([2 ** 32 - 1]));
    expect(tensors.get('bytes')!.data).toEqual(new Uint8Array([0, 255]));
    expect(tensors.get('mask')!.data).toEqual(new Uint8Array([1, 0, 1]));
    expect(tensors.get('empty')!.data.length).toBe(0);
  });

  test('[cpu] f16 and bf16 conversions: exact decode of every f16, round-to-nearest-even encode', () => {
    // Every finite f16 decodes to a value that encodes back to the same bits.
    for (let bits = 0; bits < 0x10000; bits++) {
      const exponent = (bits >> 10) & 0x1f;
      if (exponent === 0x1f && bits & 0x3ff) {
        expect(Number.isNaN(f16BitsToF32(bits))).toBe(true);
        continue;
      }
      expect(f32ToF16Bits(f16BitsToF32(bits))).toBe(bits);
    }
    expect(f16BitsToF32(0x3c00)).toBe(1);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // halfway past max rounds to inf
    expect(f32ToF16Bits(65519)).toBe(0x7bff);
    expect(f32ToF16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → even
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(2); // tie between 1 and 2 ulps → even
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even mantissa
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(f32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(f32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(f32ToBf16Bits(Number.NaN) & 0x7fc0).toBe(0x7fc0);
  });

  test('[cpu] a tensor named "__proto__" is an ordinary entry, not a prototype', async () => {
    const device = await cpuDevice();
    // Written as text: a "__proto__" key in an object literal would set the prototype instead.
    const text =
      '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"__metadata__":{"__proto__":"x"}}';
    const file = rawFile(text, new Uint8Array(new Float32Array([9]).buffer));
    const parsed = parseSafetensors(file);
    expect([...parsed.tensors.keys()]).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed.metadata)).toBe(Object.prototype);
    expect(Object.keys(parsed.metadata)).toEqual(['__proto__']);
    const record = loadSafetensors(file, { device });
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    const own = Object.getOwnPropertyDescriptor(record, '__proto__')?.value;
    expect(Array.from(await own.toArray())).toEqual([9]);
  });
});

describe('safetensors: malformed and hostile files fail clearly', () => {
  const fourFloats = new Uint8Array(16);
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['an empty file', () => new Uint8Array(0), /0 bytes, shorter than the 8-byte header length/],
    ['a 7-byte file', () => new Uint8Array(7), /7 bytes, shorter than the 8-byte/],
    [
      'a header length beyond the file',
      () => rawFile({}, new Uint8Array(0), 1000n),
      /header length is 1000 bytes but only 2 bytes follow/,
    ],
    [
      'an absurd header length (2^64 − 1)',
      () => rawFile({}, new Uint8Array(0), 2n ** 64n - 1n),
      /header length is 18446744073709551615 bytes, beyond the 100000000-byte limit/,
    ],
    [
      'a header length just over 100 MB',
      () => rawFile({}, new Uint8Array(0), 100_000_001n),
      /beyond the 100000000-byte limit/,
    ],
    [
      'a header that is not UTF-8',
      () => {
        const file = rawFile('{"a":1}');
        file[9] = 0xff;
        return file;
      },
      /not valid UTF-8/,
    ],
    ['a header that is not JSON', () => rawFile('{"a": '), /not valid JSON/],
    ['a JSON array header', () => rawFile('[1, 2]'), /must be a JSON object, got an array/],
    ['a JSON null header', () => rawFile('null'), /must be a JSON object, got null/],
    ['a JSON number header', () => rawFile('42'), /must be a JSON object, got 42/],
    ['an entry that is not an object', () => rawFile({ a: 5 }), /tensor "a": expected \{dtype/],
    [
      'offsets past the data section',
      () => rawFile({ w: f32Entry([4], [0, 16]) }, new Uint8Array(12)),
      /tensor "w": data_offsets \[0, 16\] reach past the 12-byte data section/,
    ],
    [
      'offsets far past the file (no out-of-bounds read)',
      () => rawFile({ w: f32Entry([1], [2 ** 40, 2 ** 40 + 4]) }, fourFloats),
      /reach past the 16-byte data section/,
    ],
    [
      'offsets that end before they begin',
      () => rawFile({ w: f32Entry([0], [8, 4]) }, fourFloats),
      /data_offsets \[8, 4\] end before they begin/,
    ],
    [
      'negative offsets',
      () => rawFile({ w: f32Entry([1], [-4, 0]) }, fourFloats),
      /"data_offsets" must be \[begin, end\] with non-negative integers, got \[-4,0\]/,
    ],
    [
      'fractional offsets',
      () => rawFile({ w: f32Entry([1], [0.5, 4.5]) }, fourFloats),
      /"data_offsets" must be \[begin, end\]/,
    ],
    [
      'missing offsets',
      () => rawFile({ w: { dtype: 'F32', shape: [1] } }, fourFloats),
      /"data_offsets" must be \[begin, end\]/,
    ],
    [
      'overlapping tensors',
      () => rawFile({ a: f32Entry([2], [0, 8]), b: f32Entry([2], [4, 12]) }, fourFloats),
      /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/,
    ],
    [
      'a tensor aliasing another',
      () => rawFile({ a: f32Entry([2], [0, 8]), b: f32Entry([2], [0, 8]) }, fourFloats),
      /overlap/,
    ],
    [
      'offsets that do not match dtype size × shape',
      () => rawFile({ w: f32Entry([3], [0, 16]) }, fourFloats),
      /tensor "w": data_offsets \[0, 16\] hold 16 bytes, but F32 shape \[3\] needs 3 × 4 = 12 bytes/,
    ],
    [
      'an unknown dtype',
      () => rawFile({ w: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, fourFloats),
      /tensor "w": unknown dtype "F128"/,
    ],
    [
      'a dtype that is not a string',
      () => rawFile({ w: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, fourFloats),
      /unknown dtype 4/,
    ],
    [
      'a known but unsupported dtype',
      () => rawFile({ w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }, fourFloats),
      /dtype F8_E4M3 is not supported/,
    ],
    [
      'a negative dimension',
      () => rawFile({ w: f32Entry([-1, -4], [0, 16]) }, fourFloats),
      /has dimension -1; dimensions must be non-negative integers/,
    ],
    [
      'a fractional dimension',
      () => rawFile({ w: f32Entry([1.5], [0, 4]) }, fourFloats),
      /has dimension 1.5/,
    ],
    [
      'a string dimension',
      () => rawFile({ w: f32Entry(['4' as unknown as number], [0, 16]) }, fourFloats),
      /has dimension "4"/,
    ],
    [
      'a shape that is not an array',
      () => rawFile({ w: { dtype: 'F32', shape: 4, data_offsets: [0, 16] } }, fourFloats),
      /"shape" must be an array of integers/,
    ],
    [
      'an element count beyond safe integers',
      () => rawFile({ w: f32Entry([2 ** 30, 2 ** 30, 2 ** 30], [0, 16]) }, fourFloats),
      /more elements than a safe integer \(absurd size\)/,
    ],
    [
      'a byte size beyond safe integers',
      () =>
        rawFile(
          { w: { dtype: 'F64', shape: [2 ** 26, 2 ** 26], data_offsets: [0, 16] } },
          fourFloats,
        ),
      /needs 4503599627370496 × 8 = 36028797018963970 bytes/,
    ],
    [
      'a huge but consistent tensor the file does not hold',
      () => rawFile({ w: f32Entry([2 ** 20, 2 ** 10], [0, 2 ** 32]) }, fourFloats),
      /reach past the 16-byte data section/,
    ],
    [
      'metadata that is not an object',
      () => rawFile({ __metadata__: ['a'] }),
      /"__metadata__" must be an object of strings/,
    ],
    [
      'a metadata value that is not a string',
      () => rawFile({ __metadata__: { epoch: 3 } }),
      /"__metadata__" value for "epoch" must be a string, got 3/,
    ],
    [
      'an I64 id beyond the i32 range (written by torch)',
      () => readFileSync(join(fixtures, 'torch-i64-out-of-range.safetensors')),
      /tensor "token_ids": I64 value 2147483648 at index 1 does not fit in i32/,
    ],
  ];

  test.each(cases)('[cpu] %s', (_name, make, message) => {
    const bytes = make();
    expect(() => parseSafetensors(new Uint8Array(bytes))).toThrow(message);
  });

  test('[cpu] a file inside a larger buffer is never read past its end', () => {
    const good = serializeSafetensors({ w: { dtype: 'F32', shape: [4], data: [1, 2, 3, 4] } });
    const backing = new Uint8Array(good.length + 64).fill(0x41);
    backing.set(good, 16);
    const view = backing.subarray(16, 16 + good.length);
    expect(Array.from(parseSafetensors(view).tensors.get('w')!.data)).toEqual([1, 2, 3, 4]);
    // The same file cut short: the header's claim must be checked against the view, not the buffer.
    expect(() => parseSafetensors(backing.subarray(16, 16 + good.length - 1))).toThrow(
      /reach past the 15-byte data section/,
    );
  });

  test('[cpu] every truncation and every single-byte corruption of the header fails cleanly or parses', () => {
    const good = serializeSafetensors(
      {
        a: { dtype: 'F16', shape: [3], data: [1, 2, 3] },
        b: { dtype: 'I64', shape: [2], data: [4, 5] },
      },
      { k: 'v' },
    );
    for (let length = 0; length < good.length; length++) {
      expect(() => parseSafetensors(good.subarray(0, length))).toThrow(/invalid safetensors file/);
    }
    const headerEnd = 8 + Number(new DataView(good.buffer).getBigUint64(0, true));
    for (let i = 0; i < headerEnd; i++) {
      for (const value of [0x00, 0x22, 0x31, 0x7b, 0xff]) {
        const bad = good.slice();
        bad[i] = value;
        try {
          parseSafetensors(bad);
        } catch (e) {
          expect((e as Error).message).toMatch(/invalid safetensors file|does not fit in i32/);
        }
      }
    }
  });

  test('[cpu] writing refuses what it cannot represent', () => {
    expect(() =>
      serializeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: [1, 2, 3] } }),
    ).toThrow(/tensor "w": shape \[2,2\] needs 4 values, got 3/);
    expect(() =>
      serializeSafetensors({ i: { dtype: 'I32', shape: [1], data: [2 ** 31] } }),
    ).toThrow(/value 2147483648 at index 0 is not a I32 integer/);
    expect(() =>
      serializeSafetensors({ x: { dtype: 'F64' as 'F32', shape: [1], data: [1] } }),
    ).toThrow(/cannot write dtype "F64"/);
    expect(() =>
      serializeSafetensors({ __metadata__: { dtype: 'F32', shape: [], data: [1] } }),
    ).toThrow(/reserved for metadata/);
    expect(() => serializeSafetensors({}, { epoch: 3 as unknown as string })).toThrow(
      /metadata "epoch" must be a string/,
    );
  });
});

interface ExpectedFixture {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
}

const fromJson = (v: number | string) =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number);

describe('PyTorch interop', () => {
  const expected: ExpectedFixture = JSON.parse(
    readFileSync(join(fixtures, 'torch-tensors.expected.json'), 'utf8'),
  );
  const torchFile = readFileSync(join(fixtures, 'torch-tensors.safetensors'));

  for (const backend of ['cpu', 'webgpu'] as const) {
    test(`[${backend}] a file written by torch (F32, F16, BF16, I64, BOOL, U8) loads with torch's values`, async () => {
      const device = backend === 'cpu' ? await cpuDevice() : await webgpuDevice();
      const record = loadSafetensors(torchFile, { device });
      expect(Object.keys(record).sort()).toEqual(Object.keys(expected.tensors).sort());
      for (const [name, want] of Object.entries(expected.tensors)) {
        const t = record[name];
        expect(t.shape, name).toEqual(want.shape);
        const integer = ['I64', 'I32'].includes(want.dtype);
        const unsigned = ['U8', 'BOOL'].includes(want.dtype);
        expect(t.dtype, name).toBe(integer ? 'i32' : unsigned ? 'u32' : 'f32');
        // Exact: F16/BF16 widen to f32 exactly, torch's values are f32 printed as doubles.
        expect(Array.from(await t.toArray()), name).toEqual(want.values.map(fromJson));
        t.dispose();
      }
      expect(parseSafetensors(torchFile).metadata).toEqual(expected.metadata);
    });
  }

  test('[cpu] ScratchSeq writes from-scratchseq.safetensors, which generate.py verifies with torch', async () => {
    // Checked by hand with `/usr/bin/python3 fixtures/io/generate.py verify`; its output is
    // recorded in fixtures/io/README.md. The file is committed, and this test keeps today's
    // writer byte-identical to it (delete the file to regenerate, then re-run verify).
    const device = await cpuDevice();
    const awkward = [
      1 / 3,
      65504,
      65520,
      1e-8,
      2 ** -25,
      3 * 2 ** -25,
      -(2 ** -24) * 1.5,
      1e5,
      Number.NaN,
      -0,
    ];
    const weight = tensor(
      Array.from({ length: 12 }, (_, i) => i * 0.25 - 1.5),
      { shape: [3, 4], device },
    );
    const record = {
      weight,
      ids: tensor(
        [
          [3, -1, 2147483647],
          [-2147483648, 0, 42],
        ],
        { dtype: 'i32', device },
      ),
      scalar: tensor(-7.25, { device }),
      empty: tensor(new Float32Array(0), { shape: [2, 0], device }),
    };
    const main = await saveSafetensors(record, { format: 'pt', producer: 'scratchseq' });
    const f16 = await saveSafetensors(
      { awkward_f16: tensor(awkward, { device }) },
      {},
      { floatDtype: 'F16' },
    );
    const bf16 = await saveSafetensors(
      { awkward_bf16: tensor(awkward, { device }) },
      {},
      { floatDtype: 'BF16' },
    );
    // One file: merge the three through the byte-level API.
    const merged = new Map<string, SafetensorsEntry>();
    for (const part of [main, f16, bf16]) {
      for (const [name, t] of parseSafetensors(part).tensors) {
        // Re-encode from the decoded values: F16/BF16 decode exactly, so re-encoding is lossless.
        merged.set(name, {
          dtype: t.dtype as SafetensorsEntry['dtype'],
          shape: t.shape,
          data: t.data,
        });
      }
    }
    const bytes = serializeSafetensors(merged, parseSafetensors(main).metadata);
    const path = join(fixtures, 'from-scratchseq.safetensors');
    if (!existsSync(path)) writeFileSync(path, bytes);
    expect(
      Buffer.from(bytes).equals(readFileSync(path)),
      `${path} differs from what ScratchSeq writes today`,
    ).toBe(true);
    const back = parseSafetensors(bytes).tensors;
    expect(back.get('awkward_f16')!.dtype).toBe('F16');
    expect(Array.from(back.get('awkward_f16')!.data).slice(0, 3)).toEqual([
      f16BitsToF32(0x3555),
      65504,
      Infinity,
    ]);
  });
});

describe('device-level safetensors', () => {
  for (const backend of ['cpu', 'webgpu'] as const) {
    test(`[${backend}] saveSafetensors → loadSafetensors keeps values, dtypes and views`, async () => {
      const device = backend === 'cpu' ? await cpuDevice() : await webgpuDevice();
      const base = tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { device },
      );
      const record = {
        'layer.weight': base.transpose(0, 1), // a non-contiguous view: written row-major
        'layer.bias': tensor([0.5, -0.25], { device }),
        ids: tensor([7, -3, 0], { dtype: 'i32', device }),
        flags: tensor([0, 1, 4294967295], { dtype: 'u32', device }),
      };
      const bytes = await saveSafetensors(record, { step: '10' });
      const loaded = loadSafetensors(bytes, { device });
      expect(loaded['layer.weight'].shape).toEqual([3, 2]);
      expect(Array.from(await loaded['layer.weight'].toArray())).toEqual([1, 4, 2, 5, 3, 6]);
      expect(Array.from(await loaded['layer.bias'].toArray())).toEqual([0.5, -0.25]);
      expect(loaded.ids.dtype).toBe('i32');
      expect(Array.from(await loaded.ids.toArray())).toEqual([7, -3, 0]);
      expect(loaded.flags.dtype).toBe('u32');
      expect(Array.from(await loaded.flags.toArray())).toEqual([0, 1, 4294967295]);
      expect(parseSafetensors(bytes).metadata).toEqual({ step: '10' });

      const half = loadSafetensors(await saveSafetensors(record, {}, { floatDtype: 'F16' }), {
        device,
      });
      expect(Array.from(await half['layer.bias'].toArray())).toEqual([0.5, -0.25]);
      for (const t of [
        base,
        ...Object.values(record),
        ...Object.values(loaded),
        ...Object.values(half),
      ]) {
        t.dispose();
      }
    });
  }
});

describe('checkpoints (Node)', () => {
  const root = mkdtempSync(join(tmpdir(), 'scratchseq-ckpt-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;
  const freshDir = () => join(root, `run-${counter++}`);

  async function checkpointData(step: number) {
    const device = await cpuDevice();
    return {
      tensors: {
        'fc.weight': tensor([[step, step + 0.5]], { device }),
        'fc.bias': tensor([-step], { device }),
      },
      config: { hiddenSize: 2, name: 'mlp' },
      state: { step, optimizer: { lr: 0.01 }, rng: { seed: 7, offset: step * 4 } },
    };
  }

  async function loadedStep(dir: string): Promise<number> {
    const loaded = await loadCheckpoint(dir, { device: await cpuDevice() });
    const weight = Array.from(await loaded.tensors['fc.weight'].toArray());
    const bias = Array.from(await loaded.tensors['fc.bias'].toArray());
    const step = (loaded.state as { step: number }).step;
    // Never a mixture: tensors and state come from the same save.
    expect(weight).toEqual([step, step + 0.5]);
    expect(bias).toEqual([-step]);
    return step;
  }

  test('[cpu] saveCheckpoint → loadCheckpoint returns tensors, config, state and metadata', async () => {
    const dir = freshDir();
    const data = await checkpointData(3);
    const saved = await saveCheckpoint(dir, { ...data, metadata: { epoch: '1' } });
    const loaded = await loadCheckpoint(dir, { device: await cpuDevice() });
    expect(loaded.generation).toBe(saved.generation);
    expect(loaded.config).toEqual(data.config);
    expect(loaded.state).toEqual(data.state);
    expect(loaded.metadata).toEqual({ format: 'pt', epoch: '1' });
    expect(await loadedStep(dir)).toBe(3);
    // The model file is plain safetensors (PyTorch-loadable) in the generation directory.
    const model = parseSafetensors(readFileSync(join(saved.path, 'model.safetensors')));
    expect([...model.tensors.keys()]).toEqual(['fc.weight', 'fc.bias']);

    await saveCheckpoint(dir, await checkpointData(4));
    expect(await loadedStep(dir)).toBe(4);
    const entries = (await fsp.readdir(dir)).sort();
    expect(entries, 'the previous generation is removed after a save').toEqual([
      'checkpoint.json',
      'gen-000002',
    ]);
    await saveCheckpoint(dir, await checkpointData(5), { keepPrevious: true });
    expect((await fsp.readdir(dir)).sort()).toEqual([
      'checkpoint.json',
      'gen-000002',
      'gen-000003',
    ]);
  });

  test('[cpu] a crash at any file-system step leaves the previous checkpoint (or the new one), never a broken one', async () => {
    // Count the operations of one save, then re-run it dying before each one in turn: the
    // wrapped fs throws on that call and every call after it, like a killed process.
    const countOps = async () => {
      const dir = freshDir();
      await saveCheckpoint(dir, await checkpointData(1));
      let ops = 0;
      await saveCheckpoint(dir, await checkpointData(2), { fs: dyingFs(Infinity, () => ops++) });
      return ops;
    };
    const total = await countOps();
    expect(total).toBeGreaterThan(8);
    let sawOld = 0;
    let sawNew = 0;
    for (let crashAt = 0; crashAt < total; crashAt++) {
      const dir = freshDir();
      await saveCheckpoint(dir, await checkpointData(1));
      await saveCheckpoint(dir, await checkpointData(2), { fs: dyingFs(crashAt) }).catch((e) => {
        expect((e as Error).message).toMatch(/simulated crash/);
      });
      const step = await loadedStep(dir);
      expect([1, 2], `crash before operation ${crashAt}`).toContain(step);
      if (step === 1) sawOld++;
      else sawNew++;
      // The next save succeeds and cleans up what the crash left behind.
      await saveCheckpoint(dir, await checkpointData(3));
      expect(await loadedStep(dir)).toBe(3);
      expect((await fsp.readdir(dir)).filter((name) => name !== 'checkpoint.json')).toHaveLength(1);
    }
    expect(
      sawOld,
      'crashes before the manifest rename keep the previous checkpoint',
    ).toBeGreaterThan(5);
    expect(sawNew, 'crashes after the commit point find the new one').toBeGreaterThan(0);
  });

  test('[cpu] a crash during the first save leaves no checkpoint that loads', async () => {
    const dir = freshDir();
    await expect(saveCheckpoint(dir, await checkpointData(1), { fs: dyingFs(4) })).rejects.toThrow(
      /simulated crash/,
    );
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /no complete checkpoint in .*: checkpoint.json is missing/,
    );
  });

  test('[cpu] altered, missing or hostile files are refused', async () => {
    const dir = freshDir();
    const { path, generation } = await saveCheckpoint(dir, await checkpointData(1));
    const model = join(path, 'model.safetensors');
    const original = readFileSync(model);

    const flipped = Buffer.from(original);
    flipped[flipped.length - 1] ^= 1;
    writeFileSync(model, flipped);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      `${generation}/model.safetensors does not match its SHA-256 in the manifest`,
    );
    writeFileSync(model, original.subarray(0, 20));
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /model.safetensors is 20 bytes, the manifest says/,
    );
    rmSync(model);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/model.safetensors cannot be read/);

    const manifestPath = join(dir, 'checkpoint.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, generation: '../../etc' }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(/names generation "..\/..\/etc"/);
    writeFileSync(manifestPath, '{"format":');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/checkpoint.json is not valid JSON/);

    await expect(saveCheckpoint(freshDir(), { tensors: {}, config: { n: 1n } })).rejects.toThrow(
      /config is not JSON-serializable/,
    );
  });
});

/** node:fs/promises that "dies" at operation `crashAt`: that call and every later one throw. */
function dyingFs(crashAt: number, onOp?: () => void): CheckpointFs {
  let ops = 0;
  const gate = () => {
    onOp?.();
    if (ops++ >= crashAt) throw new Error(`simulated crash at operation ${crashAt}`);
  };
  const wrapHandle = (handle: fsp.FileHandle) =>
    ({
      writeFile: async (...args: Parameters<fsp.FileHandle['writeFile']>) => {
        gate();
        return handle.writeFile(...args);
      },
      sync: async () => {
        gate();
        return handle.sync();
      },
      // Closing releases the descriptor even in a "dead" process (the kernel does it).
      close: () => handle.close(),
    }) as unknown as fsp.FileHandle;
  return {
    open: (async (...args: Parameters<typeof fsp.open>) => {
      gate();
      return wrapHandle(await fsp.open(...args));
    }) as typeof fsp.open,
    rename: (async (...args: Parameters<typeof fsp.rename>) => {
      gate();
      return fsp.rename(...args);
    }) as typeof fsp.rename,
    mkdir: (async (...args: Parameters<typeof fsp.mkdir>) => {
      gate();
      return fsp.mkdir(...args);
    }) as typeof fsp.mkdir,
    readFile: (async (...args: Parameters<typeof fsp.readFile>) => {
      gate();
      return fsp.readFile(...args);
    }) as typeof fsp.readFile,
    readdir: (async (...args: Parameters<typeof fsp.readdir>) => {
      gate();
      return fsp.readdir(...args);
    }) as typeof fsp.readdir,
    rm: (async (...args: Parameters<typeof fsp.rm>) => {
      gate();
      return fsp.rm(...args);
    }) as typeof fsp.rm,
  };
}

describe('entry points', () => {
  test('[cpu] the browser entry does not pull in the Node-only checkpoint code', async () => {
    const result = await build({
      entryPoints: [join(pkgDir, 'src/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      external: ['#dawn'],
    });
    const code = result.outputFiles[0].text;
    expect(code).toContain('parseSafetensors');
    expect(code).not.toMatch(/node:fs|node:crypto|saveCheckpoint/);
  });

  test('[cpu] package.json exports ./node with types first', () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    expect(Object.keys(pkg.exports['./node'])[0]).toBe('types');
    expect(pkg.exports['./node'].import).toMatch(/\.js$/);
  });
});
