import { createDevice, type Device } from '../../src/index.js';

let webgpu: Promise<Device> | undefined;
let cpu64: Promise<Device> | undefined;
let cpu32: Promise<Device> | undefined;

/** The WebGPU device for this test process. Fails (never skips) when no adapter exists. */
export function webgpuDevice(): Promise<Device> {
  webgpu ??= createDevice({ backend: 'webgpu' });
  return webgpu;
}

/** The CPU reference backend in float64: the oracle for finite differences. */
export function cpuDevice64(): Promise<Device> {
  cpu64 ??= createDevice({ backend: 'cpu', precision: 'f64' });
  return cpu64;
}

export function cpuDevice(): Promise<Device> {
  cpu32 ??= createDevice({ backend: 'cpu' });
  return cpu32;
}
