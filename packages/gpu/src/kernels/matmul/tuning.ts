import type { WebGPUBackend } from '../../backend/webgpu.js';
import type { SubgroupVariant } from './subgroup.wgsl.js';

/** A matmul kernel choice: the generic strided kernel, or a subgroup variant. */
export type MatmulVariant = 'generic' | SubgroupVariant;

/** Candidates the tuning pass times, smallest register footprint first. */
export const SUBGROUP_CANDIDATES: SubgroupVariant[] = [
  { rows: 4, cols: 1 },
  { rows: 8, cols: 1 },
  { rows: 4, cols: 2 },
  { rows: 8, cols: 2 },
  { rows: 16, cols: 1 },
];

/**
 * Bump when a kernel changes enough that a persisted choice may no longer be the fastest:
 * it is part of the cache key.
 */
export const MATMUL_KERNELS_VERSION = 2;

/** Tuned choices, per adapter (description + features), for the life of the process. */
const tuned = new Map<string, MatmulVariant>();
/** An explicit choice per backend (tests pin variants with it). */
const pinned = new WeakMap<WebGPUBackend, MatmulVariant>();

export function adapterKey(backend: WebGPUBackend): string {
  return `${backend.describe()}|${backend.adapterInfo.features.join(',')}`;
}

/** The variant matmul uses on `backend`: pinned, else tuned, else the generic kernel. */
export function matmulVariant(backend: WebGPUBackend): MatmulVariant {
  return pinned.get(backend) ?? tuned.get(adapterKey(backend)) ?? 'generic';
}

export function pinMatmulVariant(backend: WebGPUBackend, v: MatmulVariant | undefined): void {
  if (v === undefined) pinned.delete(backend);
  else pinned.set(backend, v);
}

export function rememberTuned(backend: WebGPUBackend, v: MatmulVariant): void {
  tuned.set(adapterKey(backend), v);
}

export function tunedFor(backend: WebGPUBackend): MatmulVariant | undefined {
  return tuned.get(adapterKey(backend));
}

/** Forgets every in-memory tuning choice (tests use it to exercise the file cache). */
export function forgetTuned(): void {
  tuned.clear();
}

export function variantName(v: MatmulVariant): string {
  return v === 'generic' ? 'generic' : `sg${v.rows}x${v.cols}`;
}

/** The variant a persisted name stands for, if it is still a candidate. */
export function variantFromName(name: unknown): MatmulVariant | undefined {
  if (name === 'generic') return 'generic';
  return SUBGROUP_CANDIDATES.find((v) => variantName(v) === name);
}
