// Timing and summary helpers shared by every system in the suite.

/** Seconds since an arbitrary origin, at nanosecond resolution. */
export function now() {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** median / min / max of a list of numbers. */
export function summarize(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1), samples: values.length };
}

/**
 * Times `run(reps)` (which must perform `reps` repetitions and return once they have finished
 * on the device) and returns seconds per repetition for each sample. Two warm-up calls come
 * first (the first compiles pipelines); the repetition count is then chosen so that one
 * sample lasts at least `minSeconds`.
 */
export async function timeReps(run, { samples = 5, minSeconds = 0.15, maxReps = 200 } = {}) {
  await run(1);
  let t = now();
  await run(1);
  const one = Math.max(now() - t, 1e-6);
  const reps = Math.max(1, Math.min(maxReps, Math.ceil(minSeconds / one)));
  const perRep = [];
  for (let s = 0; s < samples; s++) {
    t = now();
    await run(reps);
    perRep.push((now() - t) / reps);
  }
  return perRep;
}

/** A record of the suite: `values` are per-sample figures in `unit` (higher or lower is better per metric). */
export function record(workload, shape, system, metric, values, unit, extra = {}) {
  const r = { workload, shape, system, metric, ...summarize(values), unit, ...extra };
  // The raw figures, for pooling interleaved samples (not written to results.json).
  Object.defineProperty(r, 'values', { value: [...values], enumerable: false });
  return r;
}

/** Seeded uniform [-1, 1) floats (mulberry32), so every system sees the same inputs. */
export function randomFloats(n, seed = 1) {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Throws unless |got − want| ≤ atol + rtol·|want| for every checked entry. */
export function expectClose(what, got, want, atol, rtol) {
  for (let i = 0; i < want.length; i++) {
    const g = got[i];
    const w = want[i];
    const tol =
      (Array.isArray(atol) || ArrayBuffer.isView(atol) ? atol[i] : atol) + rtol * Math.abs(w);
    if (!(Math.abs(g - w) <= tol)) {
      throw new Error(
        `${what}: wrong result at checked entry ${i}: got ${g}, want ${w} (tol ${tol})`,
      );
    }
  }
}
