import { describe, expect, it } from 'vitest';
import { measureThroughput } from '../src/index.js';

describe('measureThroughput', () => {
  it('returns one well-formed record per algorithm', () => {
    const records = measureThroughput({
      numSequences: 2,
      numSteps: 8,
      numStates: 3,
      samples: 3,
      minSampleSeconds: 0.002,
    });
    expect(records.map((r) => r.workload)).toEqual([
      'hmm-forward-backward-scaled',
      'hmm-forward-backward-log',
      'hmm-viterbi',
    ]);
    for (const record of records) {
      expect(record.shape).toBe('N=2 T=8 S=3');
      expect(record.samples).toBe(3);
      expect(record.unit).toBe('sequences*steps*states^2/s');
      expect(record.min).toBeGreaterThan(0);
      expect(record.min).toBeLessThanOrEqual(record.median);
      expect(record.median).toBeLessThanOrEqual(record.max);
    }
  });
});
