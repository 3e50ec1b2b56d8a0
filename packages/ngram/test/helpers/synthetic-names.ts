import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A names.txt stand-in for tests (one lower-case name per line, made of syllables with a
 * seeded generator), so example smoke tests do not need ../shared/data. Regular enough that a
 * short training run beats a uniform guess clearly; the real corpus is for the benchmarks.
 */
export function syntheticNamesFile(count = 3000, seed = 7): string {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const onsets = ['b', 'd', 'j', 'k', 'l', 'm', 'n', 'r', 's', 't', 'v', 'z', 'br', 'ch', 'sh'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ey'];
  const endings = ['', '', 'n', 'h', 'l', 'y', 'ra', 'na'];
  const pick = (xs: string[]) => xs[Math.floor(next() * xs.length)];
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    let name = '';
    const syllables = 1 + Math.floor(next() * 3);
    for (let s = 0; s < syllables; s++) name += pick(onsets) + pick(vowels);
    names.push(name + pick(endings));
  }
  const file = join(mkdtempSync(join(tmpdir(), 'scratchseq-names-')), 'names.txt');
  writeFileSync(file, `${names.join('\n')}\n`);
  return file;
}
