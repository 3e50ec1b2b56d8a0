import { CpuBackend } from './backend/cpu.js';
import type { MemoryStats } from './backend/storage.js';
import { type AdapterDescription, WebGPUBackend } from './backend/webgpu.js';

export type BackendKind = 'webgpu' | 'cpu';

export interface InitOptions {
  /** Force a backend. Default: `SCRATCHSEQ_BACKEND` from the environment, else WebGPU if available, else CPU. */
  backend?: BackendKind | 'auto';
  /** CPU backend only: keep f32 tensors in float64 (the finite-difference oracle). */
  precision?: 'f32' | 'f64';
  /** Fail instead of falling back to the CPU backend when no WebGPU adapter is found. Default: `SCRATCHSEQ_REQUIRE_WEBGPU=1`. */
  requireWebGPU?: boolean;
  /** Suppress the fallback warning. */
  quiet?: boolean;
  /** Use this GPU (for example `navigator.gpu`, or Dawn's object) instead of finding one. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /**
   * WebGPU: pick the fastest matmul kernel for the adapter before returning — a persisted
   * choice (Node: `~/.cache/scratchseq/matmul-tuning.json`, or `SCRATCHSEQ_CACHE_DIR`), else a
   * short tuning pass that is then persisted. Default true; `SCRATCHSEQ_TUNE_MATMUL=0` turns
   * it off (matmul then uses the generic kernel until `tuneMatmul()` is called).
   */
  tuneMatmul?: boolean;
}

/**
 * A backend plus the bookkeeping every tensor on it shares: live-tensor count and the
 * default random stream.
 */
export class Device {
  liveTensors = 0;
  /** Counter of the default random stream; see `random.ts`. */
  rngSeed = 0;
  rngOffset = 0;

  constructor(readonly backend: WebGPUBackend | CpuBackend) {}

  get kind(): BackendKind {
    return this.backend.kind;
  }

  /** One line naming the backend and adapter, for logs. */
  describe(): string {
    return this.backend.describe();
  }

  /** Adapter name, features and limits (WebGPU), or undefined on the CPU backend. */
  get adapter(): AdapterDescription | undefined {
    return this.backend instanceof WebGPUBackend ? this.backend.adapterInfo : undefined;
  }

  memory(): MemoryStats {
    return { liveTensors: this.liveTensors, ...this.backend.memory() };
  }

  /** Submits recorded work without waiting. */
  flush(): void {
    this.backend.flush();
  }

  /** Waits for all submitted work to finish. */
  sync(): Promise<void> {
    return this.backend.sync();
  }

  /** Returns pooled (free) device memory to the system. */
  emptyCache(): void {
    this.backend.emptyCache();
  }

  destroy(): void {
    this.backend.destroy();
    if (current === this) current = undefined;
  }
}

let current: Device | undefined;
/** Dawn's GPU objects, referenced for the life of the process: collecting one crashes Node. */
const dawnInstances: GPU[] = [];

function env(name: string): string | undefined {
  return typeof process !== 'undefined' ? process.env?.[name] : undefined;
}

async function findGPU(): Promise<GPU | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (typeof process === 'undefined' || !process.versions?.node) return undefined;
  try {
    const { loadNodeGPU } = await import('#dawn');
    const gpu = await loadNodeGPU();
    if (gpu) dawnInstances.push(gpu);
    return gpu;
  } catch (e) {
    if (env('SCRATCHSEQ_DEBUG')) console.warn('[scratchseq] could not load the webgpu addon:', e);
    return undefined;
  }
}

async function createWebGPU(options: InitOptions): Promise<WebGPUBackend | undefined> {
  const gpu = options.gpu ?? (await findGPU());
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference });
  if (!adapter) return undefined;
  const wanted: GPUFeatureName[] = ['subgroups', 'shader-f16', 'timestamp-query'];
  const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxStorageBuffersPerShaderStage',
    'maxTextureDimension2D',
  ] as const) {
    requiredLimits[name] = adapter.limits[name];
  }
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  return new WebGPUBackend(device, adapter, gpu, gpu.wgslLanguageFeatures);
}

const FALLBACK_WARNING =
  '[scratchseq] no WebGPU adapter found; using the CPU reference backend (slow). ' +
  'For a GPU: install a Vulkan driver; on headless Debian 12, Mesa lavapipe from bookworm-backports ' +
  '(`apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`, or run scripts/setup-system.sh).';

/** Creates a device without making it the default. */
export async function createDevice(options: InitOptions = {}): Promise<Device> {
  const requested =
    options.backend ?? (env('SCRATCHSEQ_BACKEND') as BackendKind | undefined) ?? 'auto';
  const requireWebGPU = options.requireWebGPU ?? env('SCRATCHSEQ_REQUIRE_WEBGPU') === '1';
  if (requested !== 'webgpu' && requested !== 'cpu' && requested !== 'auto') {
    throw new Error(`unknown backend '${requested}': use 'webgpu', 'cpu' or 'auto'`);
  }
  if (requested === 'cpu') return new Device(new CpuBackend(options.precision));
  const webgpu = await createWebGPU(options);
  if (webgpu) {
    const device = new Device(webgpu);
    if (options.tuneMatmul ?? env('SCRATCHSEQ_TUNE_MATMUL') !== '0') {
      // Loaded on demand: the matmul module imports this one.
      const { autoTuneMatmul } = await import('./kernels/matmul/matmul.js');
      await autoTuneMatmul(device);
    }
    return device;
  }
  if (requested === 'webgpu' || requireWebGPU) {
    throw new Error(
      'WebGPU was required but no adapter was found. On headless Debian 12 install Mesa lavapipe ' +
        'from bookworm-backports (scripts/setup-system.sh does it as root).',
    );
  }
  if (!options.quiet) console.warn(FALLBACK_WARNING);
  return new Device(new CpuBackend(options.precision));
}

/** Picks a backend and makes it the default device for tensor creation. */
export async function init(options: InitOptions = {}): Promise<Device> {
  current = await createDevice(options);
  return current;
}

/** The default device; throws if `init()` has not run. */
export function getDevice(): Device {
  if (!current) {
    throw new Error("no device: call `await init()` first (or `await init({ backend: 'cpu' })`)");
  }
  return current;
}

/** Makes `device` the default for tensor creation. */
export function setDevice(device: Device): void {
  current = device;
}

/** Runs `fn` with `device` as the default, restoring the previous default afterwards. */
export function withDevice<T>(device: Device, fn: () => T): T {
  const saved = current;
  current = device;
  try {
    return fn();
  } finally {
    current = saved;
  }
}
