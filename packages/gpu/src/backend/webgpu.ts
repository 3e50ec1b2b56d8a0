import type { DType, TypedArray } from '../dtype.js';
import { typedArrayFor } from '../dtype.js';
import { FUSION_WORKGROUP, type FusedNode, FusionGroup } from './fusion.js';
import type { MemoryStats, Storage } from './storage.js';
import { waitQuietly } from './wait.js';

// GPUBufferUsage / GPUMapMode values are fixed by the WebGPU spec; using them directly means
// Node needs no globals installed.
const USAGE_MAP_READ = 0x0001;
const USAGE_COPY_SRC = 0x0004;
const USAGE_COPY_DST = 0x0008;
const USAGE_UNIFORM = 0x0040;
const USAGE_STORAGE = 0x0080;
const TEXTURE_USAGE_COPY_DST = 0x02;
const TEXTURE_USAGE_STORAGE_BINDING = 0x08;
const MAP_MODE_READ = 0x0001;
const STAGE_COMPUTE = 0x4;

/** Uniform parameters of one dispatch live in a 256-byte slot of the batch's uniform buffer. */
const PARAM_SLOT_BYTES = 256;
export const MAX_PARAM_WORDS = PARAM_SLOT_BYTES / 4;
/** Dispatches recorded before an automatic submit. */
const MAX_DISPATCHES_PER_BATCH = 1024;
/** Bind groups of buffers and textures kept for reuse (least recently used dropped first). */
const MAX_CACHED_BIND_GROUPS = 4096;
/** WebGPU's guaranteed per-dimension workgroup count. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

export interface GpuBinding {
  storage: Storage;
}

/**
 * A 2-D rgba32float storage texture bound to a dispatch: kernels that gain from the adapter's
 * texture path (cheaper loads than storage buffers on lavapipe) pack operands into these.
 */
export interface GpuTextureBinding {
  texture: GPUTexture;
  /** The kernel writes it (`write` access) rather than reads it (`read` access). */
  write?: boolean;
}

/**
 * One compute dispatch: a cached pipeline, its storage bindings and uniform parameters.
 * Kernels declare the buffers and textures in @group(0) from @binding(1) on, and the
 * parameters at @group(1) @binding(0): the resources' bind group is cached and shared by every
 * dispatch over the same resources, and each parameter slot has a bind group of its own, so
 * recording a dispatch creates no bind group (creating one costs ~50 µs on Dawn for Node, about
 * as much as everything else recording does). A dynamic offset into one parameter bind group
 * would do as much on the CPU, but measured 15–30 µs slower per dispatch on lavapipe.
 */
export interface GpuDispatch {
  /** Cache key of the pipeline: must determine the WGSL `code()` returns. */
  key: string;
  code: () => string;
  /** Storage buffers, bound at @group(0) @binding(1), @binding(2), ... in order. */
  buffers: Storage[];
  /** Which buffers the kernel writes (default: only the last), matching `read_write` in the WGSL. */
  writes?: readonly number[];
  /** Storage textures, bound after the buffers (@group(0) @binding(buffers.length + 1), ...). */
  textures?: readonly GpuTextureBinding[];
  /** Uniform words bound at @group(1) @binding(0) (u32 bit patterns; see `f32Bits`). */
  params: ArrayLike<number>;
  /** Total workgroups; split into (x, y) when above 65,535. Kernels linearize with `wgIndex`. */
  workgroups: number;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  limits: Record<string, number>;
}

/** Splits a linear workgroup count into a 2-D grid within the per-dimension limit. */
export function splitWorkgroups(total: number): [number, number] {
  if (total <= MAX_WORKGROUPS_PER_DIM) return [Math.max(total, 1), 1];
  const y = Math.ceil(total / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(total / y), y];
}

/** Size classes: four steps per power of two above 256 bytes, so waste stays under 25%. */
function sizeClass(bytes: number): number {
  const b = Math.max(bytes, 256);
  const pow = 2 ** Math.floor(Math.log2(b));
  if (pow === b) return b;
  const step = pow / 4;
  return Math.ceil(b / step) * step;
}

export class WebGPUBackend {
  readonly kind = 'webgpu' as const;
  readonly adapterInfo: AdapterDescription;
  readonly hasSubgroups: boolean;
  /**
   * A CPU implementation of WebGPU (lavapipe, SwiftShader): its invocations are SIMD lanes of
   * a few threads and every workgroup barrier is costly, so row kernels pick variants with
   * one invocation per row and no barriers.
   */
  readonly softwareAdapter: boolean;
  /** WGSL can read storage textures (`readonly_and_readwrite_storage_textures`). */
  readonly readableStorageTextures: boolean;

  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly texturePool = new Map<string, GPUTexture[]>();
  private readonly textureViews = new WeakMap<GPUTexture, GPUTextureView>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  /** Group 1 of every pipeline: one uniform parameter slot. */
  private readonly paramLayout: GPUBindGroupLayout;
  /** Bind group of each parameter slot of `paramBuffer`, made on first use. */
  private readonly paramGroups: GPUBindGroup[] = [];
  /** Group 0 bind groups by access pattern and resources (see `resourceGroup`). */
  private readonly resourceGroups = new Map<string, GPUBindGroup>();
  private readonly resourceIds = new WeakMap<GPUBuffer | GPUTexture, number>();
  private resourceCount = 0;
  private readonly stagingPool: GPUBuffer[] = [];
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  /** Buffers referenced by the commands recorded since the last submit. */
  private readonly touched = new Set<GPUBuffer>();
  private readonly paramWords = new Uint32Array((MAX_DISPATCHES_PER_BATCH * PARAM_SLOT_BYTES) / 4);
  private paramSlots = 0;
  private readonly paramBuffer: GPUBuffer;
  private deviceError: Error | null = null;
  /** Small elementwise ops waiting to run as one kernel (see fusion.ts). */
  private readonly fusion: FusionGroup;

  /** A small buffer to bind where a kernel variant reads nothing (bindings cannot be left empty). */
  readonly unusedBinding: Storage;
  liveBytes = 0;
  pooledBytes = 0;
  /** Counters for tests and benchmarks: dispatches recorded and submits made. */
  dispatchCount = 0;
  submitCount = 0;

  constructor(
    readonly device: GPUDevice,
    adapter: GPUAdapter,
    /** Dawn's GPU object in Node: held so it is never garbage-collected while in use. */
    private readonly keepAlive?: unknown,
    /** `GPU.wgslLanguageFeatures` of the implementation the device came from. */
    wgslFeatures?: ReadonlySet<string>,
  ) {
    const info = adapter.info;
    const limits: Record<string, number> = {};
    for (const key in device.limits) {
      const v = (device.limits as unknown as Record<string, unknown>)[key];
      if (typeof v === 'number') limits[key] = v;
    }
    this.adapterInfo = {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      features: [...device.features].sort(),
      limits,
    };
    this.hasSubgroups = device.features.has('subgroups');
    this.readableStorageTextures =
      wgslFeatures?.has('readonly_and_readwrite_storage_textures') ?? false;
    this.softwareAdapter =
      (info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
      /llvmpipe|lavapipe|swiftshader|software/i.test(
        `${info.vendor} ${info.architecture} ${info.device} ${info.description}`,
      );
    this.fusion = new FusionGroup(device.limits.maxStorageBuffersPerShaderStage);
    this.unusedBinding = {
      byteLength: 16,
      refs: 1,
      buffer: device.createBuffer({ size: 16, usage: USAGE_STORAGE }),
    };
    this.paramBuffer = device.createBuffer({
      size: this.paramWords.byteLength,
      usage: USAGE_UNIFORM | USAGE_COPY_DST,
    });
    this.paramLayout = device.createBindGroupLayout({
      entries: [{ binding: 0, visibility: STAGE_COMPUTE, buffer: { type: 'uniform' } }],
      label: 'params',
    });
    device.addEventListener?.('uncapturederror', (event) => {
      const e = (event as GPUUncapturedErrorEvent).error;
      this.deviceError ??= new Error(`WebGPU error: ${e.message}`);
    });
  }

  describe(): string {
    const i = this.adapterInfo;
    const name = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' / ');
    return `WebGPU: ${name || 'unknown adapter'}`;
  }

  // ---- memory -------------------------------------------------------------------------------

  alloc(bytes: number): Storage {
    const size = sizeClass(bytes);
    const free = this.pool.get(size);
    let buffer = free?.pop();
    if (buffer) {
      this.pooledBytes -= size;
    } else {
      const max = this.device.limits.maxStorageBufferBindingSize;
      if (size > max) {
        throw new Error(
          `tensor of ${bytes} bytes exceeds this adapter's maxStorageBufferBindingSize (${max}); ` +
            'split the work into smaller tensors',
        );
      }
      buffer = this.device.createBuffer({
        size,
        usage: USAGE_STORAGE | USAGE_COPY_SRC | USAGE_COPY_DST,
      });
    }
    this.liveBytes += size;
    return { byteLength: size, refs: 1, buffer };
  }

  release(storage: Storage): void {
    const buffer = storage.buffer!;
    this.liveBytes -= storage.byteLength;
    this.pooledBytes += storage.byteLength;
    let free = this.pool.get(storage.byteLength);
    if (!free) this.pool.set(storage.byteLength, (free = []));
    // Reuse is safe even while recorded commands still use the buffer: later commands run
    // after earlier ones in queue order, and uploads flush first (see `upload`).
    free.push(buffer);
  }

  /**
   * A scratch rgba32float storage texture of `width` × `height` texels, for one kernel's
   * packed operands; give it back with `releaseTexture` once the dispatches using it are
   * recorded (as with buffers, later commands run after earlier ones in queue order).
   */
  takeTexture(width: number, height: number): GPUTexture {
    const texture = this.texturePool.get(`${width}x${height}`)?.pop();
    if (texture) {
      this.pooledBytes -= width * height * 16;
      return texture;
    }
    return this.device.createTexture({
      size: [width, height],
      format: 'rgba32float',
      usage: TEXTURE_USAGE_STORAGE_BINDING | TEXTURE_USAGE_COPY_DST,
    });
  }

  releaseTexture(texture: GPUTexture): void {
    const key = `${texture.width}x${texture.height}`;
    let free = this.texturePool.get(key);
    if (!free) this.texturePool.set(key, (free = []));
    free.push(texture);
    this.pooledBytes += texture.width * texture.height * 16;
  }

  /** Destroys pooled buffers and textures (live tensors are untouched). */
  emptyCache(): void {
    for (const buffers of this.pool.values()) for (const b of buffers) b.destroy();
    for (const textures of this.texturePool.values()) for (const t of textures) t.destroy();
    this.pool.clear();
    this.texturePool.clear();
    this.resourceGroups.clear(); // they may hold the buffers and textures just destroyed
    this.pooledBytes = 0;
  }

  memory(): Omit<MemoryStats, 'liveTensors'> {
    return { liveBytes: this.liveBytes, pooledBytes: this.pooledBytes };
  }

  upload(storage: Storage, data: TypedArray, byteOffset = 0): void {
    this.flushFusion();
    const buffer = storage.buffer!;
    // queue.writeBuffer runs before any not-yet-submitted command; if a recorded command
    // still reads this (reused) buffer, submit those commands first.
    if (this.touched.has(buffer)) this.flush();
    const bytes = data instanceof Float64Array ? new Float32Array(data) : data;
    this.device.queue.writeBuffer(
      buffer,
      byteOffset,
      bytes.buffer,
      bytes.byteOffset,
      bytes.byteLength,
    );
  }

  async read(
    storage: Storage,
    byteOffset: number,
    count: number,
    dtype: DType,
  ): Promise<TypedArray> {
    const byteLength = count * 4;
    const out = typedArrayFor(dtype, count);
    if (count === 0) return out;
    this.flushFusion();
    const staging = this.takeStaging(byteLength);
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(storage.buffer!, byteOffset, staging, 0, byteLength);
    this.flush();
    await waitQuietly(staging.mapAsync(MAP_MODE_READ, 0, byteLength));
    this.throwIfError();
    const mapped = staging.getMappedRange(0, byteLength);
    new Uint8Array(out.buffer).set(new Uint8Array(mapped));
    staging.unmap();
    this.stagingPool.push(staging);
    return out;
  }

  private takeStaging(bytes: number): GPUBuffer {
    const i = this.stagingPool.findIndex((b) => b.size >= bytes);
    if (i >= 0) return this.stagingPool.splice(i, 1)[0];
    return this.device.createBuffer({
      size: sizeClass(bytes),
      usage: USAGE_MAP_READ | USAGE_COPY_DST,
    });
  }

  // ---- dispatch -----------------------------------------------------------------------------

  /**
   * Bind-group layouts are explicit (not 'auto', which drops bindings a variant leaves
   * unused) and cached by their access pattern: "r"/"w" for storage buffers read / written,
   * then "t"/"o" for storage textures read / written, e.g. "rrw" or "wtt".
   */
  private layout(access: string): GPUBindGroupLayout {
    let layout = this.layouts.get(access);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      for (let i = 0; i < access.length; i++) {
        const binding = i + 1;
        const a = access[i];
        if (a === 't' || a === 'o') {
          entries.push({
            binding,
            visibility: STAGE_COMPUTE,
            storageTexture: {
              access: a === 'o' ? 'write-only' : 'read-only',
              format: 'rgba32float',
              viewDimension: '2d',
            },
          });
        } else {
          const type = a === 'w' ? 'storage' : 'read-only-storage';
          entries.push({ binding, visibility: STAGE_COMPUTE, buffer: { type } });
        }
      }
      layout = this.device.createBindGroupLayout({ entries, label: access });
      this.layouts.set(access, layout);
    }
    return layout;
  }

  private pipeline(
    key: string,
    code: () => string,
    layout: GPUBindGroupLayout,
  ): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: code(), label: key });
      p = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({
          bindGroupLayouts: [layout, this.paramLayout],
        }),
        compute: { module, entryPoint: 'main' },
        label: key,
      });
      this.pipelines.set(key, p);
    }
    return p;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private ensureEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /**
   * Queues a small elementwise op to run fused with its neighbours: it is recorded (as part
   * of one kernel for the whole group) before any other command, so callers see eager order.
   */
  fuse(node: FusedNode): void {
    if (this.fusion.tryAdd(node)) return;
    this.flushFusion();
    if (!this.fusion.tryAdd(node)) throw new Error(`fusion: op ${node.op} cannot start a group`);
  }

  /** Records the pending fused group, if any. Every other command calls this first. */
  flushFusion(): void {
    const k = this.fusion.take();
    if (!k) return;
    this.record({
      key: k.key,
      code: k.code,
      buffers: k.buffers,
      writes: k.writes,
      params: k.params,
      workgroups: Math.ceil(k.n / FUSION_WORKGROUP),
    });
    for (const s of k.retained) if (--s.refs === 0) this.release(s);
  }

  dispatch(d: GpuDispatch): void {
    this.flushFusion();
    this.record(d);
  }

  /**
   * The bind group of a dispatch's buffers and textures, cached by access pattern and
   * resources. Pooled buffers and textures are destroyed only by emptyCache (which clears the
   * cache) and destroy.
   */
  private resourceGroup(access: string, layout: GPUBindGroupLayout, d: GpuDispatch): GPUBindGroup {
    let key = access;
    for (const b of d.buffers) key += `,${this.resourceId(b.buffer!)}`;
    for (const t of d.textures ?? []) key += `,${this.resourceId(t.texture)}`;
    let group = this.resourceGroups.get(key);
    if (group) {
      // Most recently used last: the first entry is the one to drop when the cache is full.
      this.resourceGroups.delete(key);
    } else {
      const n = d.buffers.length;
      const entries: GPUBindGroupEntry[] = d.buffers.map((b, i) => ({
        binding: i + 1,
        resource: { buffer: b.buffer! },
      }));
      for (const [i, t] of (d.textures ?? []).entries()) {
        let view = this.textureViews.get(t.texture);
        if (!view) this.textureViews.set(t.texture, (view = t.texture.createView()));
        entries.push({ binding: n + 1 + i, resource: view });
      }
      group = this.device.createBindGroup({ layout, entries });
      if (this.resourceGroups.size === MAX_CACHED_BIND_GROUPS) {
        this.resourceGroups.delete(this.resourceGroups.keys().next().value!);
      }
    }
    this.resourceGroups.set(key, group);
    return group;
  }

  private resourceId(r: GPUBuffer | GPUTexture): number {
    let id = this.resourceIds.get(r);
    if (id === undefined) this.resourceIds.set(r, (id = ++this.resourceCount));
    return id;
  }

  private paramGroup(slot: number): GPUBindGroup {
    this.paramGroups[slot] ??= this.device.createBindGroup({
      layout: this.paramLayout,
      entries: [
        {
          binding: 0,
          resource: {
            buffer: this.paramBuffer,
            offset: slot * PARAM_SLOT_BYTES,
            size: PARAM_SLOT_BYTES,
          },
        },
      ],
    });
    return this.paramGroups[slot];
  }

  private record(d: GpuDispatch): void {
    if (d.params.length > MAX_PARAM_WORDS) {
      throw new Error(
        `kernel ${d.key}: ${d.params.length} parameter words exceed ${MAX_PARAM_WORDS}`,
      );
    }
    if (d.workgroups === 0) return;
    if (this.paramSlots === MAX_DISPATCHES_PER_BATCH) this.flush();
    const n = d.buffers.length;
    const writes = d.writes ?? [n - 1];
    let access = '';
    for (let i = 0; i < n; i++) access += writes.includes(i) ? 'w' : 'r';
    for (const t of d.textures ?? []) access += t.write ? 'o' : 't';
    const layout = this.layout(access);
    const pipeline = this.pipeline(d.key, d.code, layout);
    const slot = this.paramSlots++;
    this.paramWords.set(d.params, (slot * PARAM_SLOT_BYTES) / 4);
    for (const b of d.buffers) this.touched.add(b.buffer!);
    this.pass ??= this.ensureEncoder().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, this.resourceGroup(access, layout, d));
    this.pass.setBindGroup(1, this.paramGroup(slot));
    const [x, y] = splitWorkgroups(d.workgroups);
    this.pass.dispatchWorkgroups(x, y);
    this.dispatchCount++;
  }

  /** Copies bytes between storages in the shared encoder. */
  copy(src: Storage, srcOffset: number, dst: Storage, dstOffset: number, bytes: number): void {
    if (bytes === 0) return;
    this.flushFusion();
    this.endPass();
    this.touched.add(src.buffer!);
    this.touched.add(dst.buffer!);
    this.ensureEncoder().copyBufferToBuffer(src.buffer!, srcOffset, dst.buffer!, dstOffset, bytes);
  }

  /**
   * Copies `rows` rows of `texture.width` texels from a storage (rows `texture.width · 16`
   * bytes apart, a multiple of 256; `byteOffset` a multiple of 16) into the texture from row
   * `originY`.
   */
  copyToTexture(
    src: Storage,
    byteOffset: number,
    texture: GPUTexture,
    originY: number,
    rows: number,
  ): void {
    if (rows === 0) return;
    this.flushFusion();
    this.endPass();
    this.touched.add(src.buffer!);
    this.ensureEncoder().copyBufferToTexture(
      { buffer: src.buffer!, offset: byteOffset, bytesPerRow: texture.width * 16 },
      { texture, origin: { x: 0, y: originY } },
      { width: texture.width, height: rows },
    );
  }

  /** Submits everything recorded so far as one command buffer. */
  flush(): void {
    this.flushFusion();
    this.endPass();
    if (!this.encoder) return;
    if (this.paramSlots > 0) {
      this.device.queue.writeBuffer(
        this.paramBuffer,
        0,
        this.paramWords.buffer,
        0,
        this.paramSlots * PARAM_SLOT_BYTES,
      );
    }
    this.device.queue.submit([this.encoder.finish()]);
    this.submitCount++;
    this.encoder = null;
    this.paramSlots = 0;
    this.touched.clear();
  }

  /** Waits until the device has finished all submitted work. */
  async sync(): Promise<void> {
    this.flush();
    await waitQuietly(this.device.queue.onSubmittedWorkDone());
    this.throwIfError();
  }

  private throwIfError(): void {
    if (this.deviceError) {
      const e = this.deviceError;
      this.deviceError = null;
      throw e;
    }
  }

  destroy(): void {
    this.flush();
    this.emptyCache();
    for (const b of this.stagingPool) b.destroy();
    this.stagingPool.length = 0;
    this.paramBuffer.destroy();
    this.device.destroy();
    void this.keepAlive;
  }
}
