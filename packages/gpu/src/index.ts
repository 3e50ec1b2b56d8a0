/**
 * @scratchseq/gpu — tensors, WGSL compute kernels and autograd on WebGPU, with a CPU
 * reference backend.
 *
 *   import { init, tensor, matmul } from '@scratchseq/gpu';
 *   const device = await init();
 *   const c = matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]]));
 *   console.log(await c.toArray()); // Float32Array [17, 39]
 */

export { backward } from './autograd/backward.js';
export { isGradEnabled, noGrad } from './autograd/grad-mode.js';
export type { MemoryStats } from './backend/storage.js';
export type { AdapterDescription } from './backend/webgpu.js';
export type { BackendKind, InitOptions } from './device.js';
export { createDevice, Device, getDevice, init, setDevice, withDevice } from './device.js';
export type { DType, TypedArray } from './dtype.js';
export * from './io/index.js';
export * as nn from './nn/index.js';
export * from './ops.js';
export * as optim from './optim/index.js';
export { keep, scope } from './scope.js';
export { broadcastShapes, shapeToString, sizeOf } from './shape.js';
export type { GradFn, TensorOptions } from './tensor.js';
export { empty, Tensor, tensor, writeTensor } from './tensor.js';
