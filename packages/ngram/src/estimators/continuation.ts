import type { NgramCounts } from '../counts.js';

/**
 * Continuation counts for Kneser-Ney: N1+(• w1..wn), the number of distinct words seen
 * immediately before an n-gram (Kneser & Ney 1995; Chen & Goodman 1999, eq. 20).
 * Returned for levels 1..order−1 (index 0 and `order` are empty arrays).
 */
export function leftExtensionCounts(counts: NgramCounts): Uint32Array[] {
  const links = counts.suffixLinks();
  const extensions: Uint32Array[] = [new Uint32Array(0)];
  for (let n = 1; n < counts.order; n++) {
    const perNode = new Uint32Array(counts.levels[n].size);
    const longer = links[n + 1];
    for (let node = 0; node < longer.length; node++) perNode[longer[node]]++;
    extensions.push(perNode);
  }
  extensions.push(new Uint32Array(0));
  return extensions;
}
