import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const example = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');

describe('README', () => {
  it('shows readme-example.ts verbatim (minus its test-only export line)', () => {
    const shown = example.replace(/\n\nexport \{ beams, samples \};\n$/, '\n');
    expect(readme).toContain('```ts\n' + shown + '```');
  });

  it('the example runs and beam search finds the best length-normalized sequence', async () => {
    const { beams, samples } = await import('./readme-example.js');
    // Score = ln P / length (α = 1). An independent enumeration of every path up to length 10
    // (a short Python script) ranks a b <eos> first at ln .12 / 3 = −0.707, ahead of
    // a b a b <eos> at −0.746: the a b cycle multiplies P by .2 per two tokens.
    expect(beams.sequences[0].tokens).toEqual([1, 2, 0]);
    expect(beams.sequences[0].score).toBeCloseTo(Math.log(0.12) / 3, 6);
    expect(samples.sequences).toHaveLength(4);
  });
});
