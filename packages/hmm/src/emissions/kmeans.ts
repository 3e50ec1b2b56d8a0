import type { SeededRandom } from '../random.js';

/**
 * Lloyd's k-means with k-means++ seeding (Arthur & Vassilvitskii 2007), seeded. Used to place
 * initial Gaussian means. Returns centers (k, D). An emptied cluster is re-seeded at the point
 * farthest from its center.
 */
export function kMeans(
  values: Float64Array, // (V, D)
  V: number,
  D: number,
  k: number,
  random: SeededRandom,
  maxIterations = 100,
): Float64Array {
  const centers = new Float64Array(k * D);
  const distances = new Float64Array(V).fill(Number.POSITIVE_INFINITY);
  const squaredDistance = (v: number, c: number): number => {
    let sum = 0;
    for (let d = 0; d < D; d++) {
      const r = values[v * D + d] - centers[c * D + d];
      sum += r * r;
    }
    return sum;
  };
  // k-means++: each new center drawn with probability proportional to squared distance.
  for (let c = 0; c < k; c++) {
    const v = c === 0 ? random.integer(V) : random.categorical(distances);
    for (let d = 0; d < D; d++) centers[c * D + d] = values[v * D + d];
    for (let u = 0; u < V; u++) distances[u] = Math.min(distances[u], squaredDistance(u, c));
  }
  const assignment = new Int32Array(V).fill(-1);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let changed = false;
    for (let v = 0; v < V; v++) {
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const distance = squaredDistance(v, c);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      distances[v] = bestDistance;
      if (assignment[v] !== best) {
        assignment[v] = best;
        changed = true;
      }
    }
    if (!changed && iteration > 0) break;
    const counts = new Float64Array(k);
    centers.fill(0);
    for (let v = 0; v < V; v++) {
      counts[assignment[v]] += 1;
      for (let d = 0; d < D; d++) centers[assignment[v] * D + d] += values[v * D + d];
    }
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) {
        for (let d = 0; d < D; d++) centers[c * D + d] /= counts[c];
        continue;
      }
      let farthest = 0;
      for (let v = 1; v < V; v++) if (distances[v] > distances[farthest]) farthest = v;
      for (let d = 0; d < D; d++) centers[c * D + d] = values[farthest * D + d];
      distances[farthest] = 0;
    }
  }
  return centers;
}
