/**
 * Argument checks shared by the metrics. Each message names the problem and the fix.
 */

/** Throws unless two parallel lists have the same length. */
export function assertSameLength(
  what: string,
  left: { name: string; length: number },
  right: { name: string; length: number },
): void {
  if (left.length !== right.length) {
    throw new Error(
      `${what}: ${left.name} has ${left.length} items but ${right.name} has ${right.length}; ` +
        `pass one ${right.name.replace(/s$/, '')} per ${left.name.replace(/s$/, '')} (same length, same order).`,
    );
  }
}

/** Throws unless `references` is sacreBLEU's layout: one array per reference set, each parallel to the hypotheses. */
export function assertReferenceStreams(
  metric: string,
  hypotheses: readonly string[],
  references: readonly (readonly string[])[],
): void {
  if (!Array.isArray(references) || references.length === 0) {
    throw new Error(
      `${metric}: no references given; pass references as an array of reference sets, ` +
        `e.g. [[ref1ForSeg1, ref1ForSeg2, ...]] for a single reference per segment.`,
    );
  }
  references.forEach((stream, k) => {
    if (!Array.isArray(stream)) {
      throw new Error(
        `${metric}: references[${k}] is not an array; references use sacreBLEU's layout ` +
          `(references[k][i] is the k-th reference of segment i), so wrap a single reference set as [refs].`,
      );
    }
    if (stream.length !== hypotheses.length) {
      throw new Error(
        `${metric}: references[${k}] has ${stream.length} segments but there are ${hypotheses.length} hypotheses; ` +
          `references use sacreBLEU's layout (references[k][i] is the k-th reference of segment i), ` +
          `so each reference set must have one entry per hypothesis (use '' where a segment has fewer references).`,
      );
    }
  });
}

/**
 * sacreBLEU drops empty references of a segment (that is how a variable number of references is
 * written) and refuses a segment that has none left.
 */
export function segmentReferences(
  metric: string,
  references: readonly (readonly string[])[],
  segment: number,
): string[] {
  const refs: string[] = [];
  for (const stream of references) {
    const ref = stream[segment];
    if (ref !== undefined && ref !== null && ref !== '') refs.push(ref);
  }
  if (refs.length === 0) {
    throw new Error(
      `${metric}: segment ${segment} has only empty references; give it at least one non-empty reference ` +
        `(sacreBLEU raises "Empty or None reference sentence found" here too).`,
    );
  }
  return refs;
}

/** nrefs field of a sacreBLEU signature: the count if constant, else 'var'. */
export function referenceCountLabel(counts: readonly number[]): string {
  const distinct = new Set(counts);
  return distinct.size === 1 ? String(counts[0]) : 'var';
}
