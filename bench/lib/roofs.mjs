// The adapter's roofs, measured by WGSL microbenchmarks on the raw GPUDevice: f32 FMA
// throughput (a looped kernel), storage-buffer bandwidth (a copy kernel) and the cost of one
// dispatch (batched in one pass, and one submit each).
import { record, timeReps } from './timing.mjs';

const STORAGE = 0x80;
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const UNIFORM = 0x40;
const MAP_READ = 0x01;

function pipeline(device, code) {
  const module = device.createShaderModule({ code });
  return device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
}

async function readBack(device, wait, buffer, bytes) {
  const staging = device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  await wait(staging.mapAsync(1));
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

const CHAINS = 8;
const FMA_WGSL = /* wgsl */ `
struct P { iters: u32, a: f32, b: f32, pad: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let seed = vec4<f32>(f32(gid.x % 97u)) * 0.01 + vec4<f32>(0.0, 0.1, 0.2, 0.3);
${Array.from({ length: CHAINS }, (_, i) => `  var x${i} = seed + ${i}.0;`).join('\n')}
  for (var i = 0u; i < p.iters; i++) {
${Array.from({ length: CHAINS }, (_, i) => `    x${i} = fma(x${i}, vec4<f32>(p.a), vec4<f32>(p.b));`).join('\n')}
  }
  out[gid.x] = ${Array.from({ length: CHAINS }, (_, i) => `x${i}`).join(' + ')};
}`;

/** f32 FMA roof: independent chains of x = x·a + b (2 flops each), 8 vec4 chains per invocation. */
export async function fmaRoof(device, wait, opts) {
  const invocations = 64 * 512;
  const iters = 2048;
  const a = 0.999;
  const b = 0.001;
  const pipe = pipeline(device, FMA_WGSL);
  const params = device.createBuffer({ size: 16, usage: UNIFORM | COPY_DST });
  const words = new ArrayBuffer(16);
  new Uint32Array(words, 0, 1)[0] = iters;
  new Float32Array(words, 4, 2).set([a, b]);
  device.queue.writeBuffer(params, 0, words);
  const out = device.createBuffer({ size: invocations * 16, usage: STORAGE | COPY_SRC });
  const bind = device.createBindGroup({
    layout: pipe.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: params } },
      { binding: 1, resource: { buffer: out } },
    ],
  });
  const run = async (reps) => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bind);
    for (let r = 0; r < reps; r++) pass.dispatchWorkgroups(invocations / 64);
    pass.end();
    device.queue.submit([enc.finish()]);
    await wait(device.queue.onSubmittedWorkDone());
  };
  const seconds = await timeReps(run, opts);
  // Check: lane 0 of invocation 5 against the same recurrence in float32 on the CPU.
  const got = await readBack(device, wait, out, 16 * 8);
  let want = 0;
  for (let c = 0; c < CHAINS; c++) {
    let x = Math.fround(Math.fround(5 * 0.01) + c);
    for (let i = 0; i < iters; i++) x = Math.fround(Math.fround(x * a) + b);
    want += x;
  }
  if (!(Math.abs(got[5 * 4] - want) <= 1e-3 * Math.abs(want))) {
    throw new Error(`FMA microbenchmark computed ${got[5 * 4]}, expected ${want}`);
  }
  out.destroy();
  params.destroy();
  const flops = invocations * iters * CHAINS * 4 * 2;
  return record(
    'roof',
    'f32 FMA (looped kernel)',
    'wgsl-microbench',
    'throughput',
    seconds.map((s) => flops / s / 1e9),
    'GFLOP/s',
  );
}

const COPY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i < arrayLength(&dst)) { dst[i] = src[i]; }
}`;

/** Storage-buffer bandwidth: a vec4 copy of 64 MiB; bytes read plus bytes written per second. */
export async function copyRoof(device, wait, opts) {
  const floats = 16 * 1024 * 1024;
  const bytes = floats * 4;
  const pipe = pipeline(device, COPY_WGSL);
  const src = device.createBuffer({ size: bytes, usage: STORAGE | COPY_DST });
  const dst = device.createBuffer({ size: bytes, usage: STORAGE | COPY_SRC });
  const data = new Float32Array(floats);
  for (let i = 0; i < floats; i++) data[i] = i % 1000;
  device.queue.writeBuffer(src, 0, data);
  const bind = device.createBindGroup({
    layout: pipe.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: src } },
      { binding: 1, resource: { buffer: dst } },
    ],
  });
  const groups = floats / 4 / 256;
  const run = async (reps) => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bind);
    for (let r = 0; r < reps; r++)
      pass.dispatchWorkgroups(Math.min(groups, 32768), Math.ceil(groups / 32768));
    pass.end();
    device.queue.submit([enc.finish()]);
    await wait(device.queue.onSubmittedWorkDone());
  };
  const seconds = await timeReps(run, opts);
  const got = await readBack(device, wait, dst, 4096 * 4);
  for (let i = 0; i < 4096; i++)
    if (got[i] !== i % 1000) throw new Error('copy microbenchmark copied wrong data');
  src.destroy();
  dst.destroy();
  return record(
    'roof',
    'storage copy 64 MiB',
    'wgsl-microbench',
    'bandwidth',
    seconds.map((s) => (2 * bytes) / s / 1e9),
    'GB/s',
  );
}

const TINY_WGSL = /* wgsl */ `
@group(0) @binding(0) var<storage, read_write> x: array<f32>;
@compute @workgroup_size(1)
fn main() { x[0] = x[0] + 1.0; }`;

/** Per-dispatch cost of a one-invocation kernel: N dispatches in one pass, or one submit each. */
export async function dispatchRoofs(device, wait, opts) {
  const pipe = pipeline(device, TINY_WGSL);
  const buf = device.createBuffer({ size: 16, usage: STORAGE | COPY_SRC | COPY_DST });
  device.queue.writeBuffer(buf, 0, new Float32Array(4));
  const bind = device.createBindGroup({
    layout: pipe.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: buf } }],
  });
  const n = 1000;
  let total = 0;
  const batched = async (reps) => {
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bind);
    for (let i = 0; i < n * reps; i++) pass.dispatchWorkgroups(1);
    pass.end();
    device.queue.submit([enc.finish()]);
    await wait(device.queue.onSubmittedWorkDone());
    total += n * reps;
  };
  const eachSubmit = async (reps) => {
    for (let i = 0; i < n * reps; i++) {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(pipe);
      pass.setBindGroup(0, bind);
      pass.dispatchWorkgroups(1);
      pass.end();
      device.queue.submit([enc.finish()]);
    }
    await wait(device.queue.onSubmittedWorkDone());
    total += n * reps;
  };
  const small = { ...opts, minSeconds: 0.1, maxReps: 20 };
  const a = await timeReps(batched, small);
  const b = await timeReps(eachSubmit, small);
  const got = await readBack(device, wait, buf, 16);
  if (got[0] !== total)
    throw new Error(`dispatch microbenchmark counted ${got[0]}, expected ${total}`);
  buf.destroy();
  return [
    record(
      'roof',
      'dispatch, 1000 in one pass',
      'wgsl-microbench',
      'latency',
      a.map((s) => (s / n) * 1e6),
      'µs/dispatch',
    ),
    record(
      'roof',
      'dispatch, one submit each',
      'wgsl-microbench',
      'latency',
      b.map((s) => (s / n) * 1e6),
      'µs/dispatch',
    ),
  ];
}
