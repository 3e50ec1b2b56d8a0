import type { WebGPUBackend } from '../../backend/webgpu.js';
import type { SubgroupVariant } from './subgroup.wgsl.js';
import type { TextureVariant } from './texture.wgsl.js';

/**
 * A matmul kernel: the generic strided kernel, a subgroup kernel reading storage buffers, or
 * a subgroup kernel reading operands packed into storage textures.
 */
export type MatmulVariant = 'generic' | (SubgroupVariant & { texture?: false }) | TextureKernel;
export type TextureKernel = TextureVariant & { texture: true };

/**
 * What matmul runs on one adapter: `small` for products under `TEXTURE_MIN_WORK`
 * multiply-adds, `large` from there. They differ when packing operands into textures (two
 * extra dispatches) pays off only for large products.
 */
export interface MatmulPlan {
  small: MatmulVariant;
  large: MatmulVariant;
}

/**
 * Products of at least this many multiply-adds (m·n·k per batch entry, times batch) may use
 * the plan's `large` kernel: 2^21 = 128³. A chosen bound, not a measured crossover: below it a
 * product takes well under a millisecond on lavapipe, where the up to two extra packing
 * dispatches (~50 µs each) would weigh; the bench's smallest size, 256³, already runs 2× faster
 * on textures.
 */
export const TEXTURE_MIN_WORK = 2 ** 21;

/** Buffer candidates the tuning pass times, smallest register footprint first. */
export const SUBGROUP_CANDIDATES: SubgroupVariant[] = [
  { rows: 4, cols: 1 },
  { rows: 8, cols: 1 },
  { rows: 4, cols: 2 },
  { rows: 8, cols: 2 },
  { rows: 16, cols: 1 },
];

/** Texture candidates (one vec4 column per lane; more rows share each B load more). */
export const TEXTURE_CANDIDATES: TextureKernel[] = [8, 16, 24].map((rows) => ({
  rows,
  texture: true,
}));

/**
 * Bump when a kernel changes enough that a persisted choice may no longer be the fastest:
 * it is part of the cache key.
 */
export const MATMUL_KERNELS_VERSION = 3;

/** Tuned plans, per adapter (description + features), for the life of the process. */
const tuned = new Map<string, MatmulPlan>();
/** An explicit variant per backend, for products of every size (tests pin variants with it). */
const pinned = new WeakMap<WebGPUBackend, MatmulVariant>();

export function adapterKey(backend: WebGPUBackend): string {
  return `${backend.describe()}|${backend.adapterInfo.features.join(',')}`;
}

const GENERIC_PLAN: MatmulPlan = { small: 'generic', large: 'generic' };

/** The plan matmul follows on `backend`: pinned, else tuned, else the generic kernel. */
export function matmulPlan(backend: WebGPUBackend): MatmulPlan {
  const p = pinned.get(backend);
  if (p) return { small: p, large: p };
  return tuned.get(adapterKey(backend)) ?? GENERIC_PLAN;
}

/** The variant for a product of `work` multiply-adds. */
export function matmulVariant(backend: WebGPUBackend, work = 0): MatmulVariant {
  const plan = matmulPlan(backend);
  return work >= TEXTURE_MIN_WORK ? plan.large : plan.small;
}

export function pinMatmulVariant(backend: WebGPUBackend, v: MatmulVariant | undefined): void {
  if (v === undefined) pinned.delete(backend);
  else pinned.set(backend, v);
}

export function rememberTuned(backend: WebGPUBackend, plan: MatmulPlan): void {
  tuned.set(adapterKey(backend), plan);
}

export function tunedFor(backend: WebGPUBackend): MatmulPlan | undefined {
  return tuned.get(adapterKey(backend));
}

/** Forgets every in-memory tuning choice (tests use it to exercise the file cache). */
export function forgetTuned(): void {
  tuned.clear();
}

export function variantName(v: MatmulVariant): string {
  if (v === 'generic') return 'generic';
  return v.texture ? `tex${v.rows}` : `sg${v.rows}x${v.cols}`;
}

/** `small` alone when both sizes use it, else `small+large` (e.g. "sg16x1+tex16"). */
export function planName(p: MatmulPlan): string {
  const small = variantName(p.small);
  const large = variantName(p.large);
  return small === large ? small : `${small}+${large}`;
}

/** The variant a persisted name stands for, if it is still a candidate. */
export function variantFromName(name: unknown): MatmulVariant | undefined {
  if (name === 'generic') return 'generic';
  const candidates: MatmulVariant[] = [...SUBGROUP_CANDIDATES, ...TEXTURE_CANDIDATES];
  return candidates.find((v) => variantName(v) === name);
}

/** The plan a persisted name stands for, if its variants are still candidates. */
export function planFromName(name: unknown): MatmulPlan | undefined {
  if (typeof name !== 'string') return undefined;
  const [smallName, largeName = smallName, ...rest] = name.split('+');
  const small = variantFromName(smallName);
  const large = variantFromName(largeName);
  return small && large && rest.length === 0 ? { small, large } : undefined;
}
