import { readFileSync } from 'node:fs';
import { type Device, loadSafetensors, parseSafetensors, type Tensor } from '@scratchseq/gpu';
import { expect } from 'vitest';

export const fixturePath = (name: string) =>
  new URL(`../fixtures/${name}`, import.meta.url).pathname;

/** A committed fixture's tensors on `device`, and its metadata. */
export function loadFixture(
  name: string,
  device: Device,
): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const bytes = new Uint8Array(readFileSync(fixturePath(name)));
  return {
    tensors: loadSafetensors(bytes, { device }),
    metadata: parseSafetensors(bytes).metadata,
  };
}

/**
 * |actual − expected| ≤ atol + rtol·|expected| elementwise (llm.c's check), with the worst
 * offender in the message. Returns the largest absolute error, for reporting.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol, rtol, label }: { atol: number; rtol: number; label: string },
): number {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  let maxErr = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= maxErr)) maxErr = err;
    const excess = err - (atol + rtol * Math.abs(expected[i]));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${label}[${worst}]: got ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol}; max abs error ${maxErr})`,
    );
  }
  return maxErr;
}

export const maxAbs = (x: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
};
