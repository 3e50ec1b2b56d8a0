import { expect, test } from 'vitest';
import { runDemo } from '../src/main.js';

test('[webgpu] the runtime demo runs and its MLP learns the spiral', async () => {
  const lines: string[] = [];
  const result = await runDemo(300, (line) => lines.push(line));
  expect(result.backend).toBe(process.env.SCRATCHSEQ_BACKEND ?? 'webgpu');
  expect(result.matmulMaxError).toBeLessThan(1e-3);
  expect(result.finalLoss).toBeLessThan(result.firstLoss / 2);
  // A linear classifier gets about 50% on three spiral arms.
  expect(result.accuracy).toBeGreaterThan(0.8);
  expect(lines[0]).toMatch(/^backend: /);
});
