/**
 * Writes data/corpus.txt, the default training text of the quickstart: short entries of a
 * village chronicle drawn from a small seeded grammar. Regular enough that a tiny GPT learns
 * its words and shapes in a minute, varied enough that samples are not copies.
 *
 *   pnpm --filter @scratchseq/example-gpt-quickstart exec tsx scripts/generate-corpus.ts
 */
import { writeFileSync } from 'node:fs';

let state = 20240607;
function random(): number {
  // mulberry32: a fixed seed makes the committed corpus reproducible.
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

const seasons = ['spring', 'summer', 'autumn', 'winter'];
const times = ['morning', 'evening', 'night', 'noon'];
const ordinals = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh'];
const people = [
  'the miller',
  'the baker',
  'the old smith',
  'the young shepherd',
  'the weaver',
  'the fisherman',
  'the herbalist',
  'the carpenter',
  'the innkeeper',
  'the widow by the well',
];
const places = [
  'the river',
  'the mill',
  'the market',
  'the old bridge',
  'the chapel',
  'the forest edge',
  'the harbour',
  'the orchard',
  'the hill',
  'the inn',
];
const verbs = [
  'walked to',
  'hurried to',
  'wandered down to',
  'climbed up to',
  'rode out to',
  'went back to',
];
const finds = [
  'a silver key',
  'a lost lamb',
  'a broken wheel',
  'a letter with no name',
  'three brown eggs',
  'a basket of apples',
  'a crow with a bright ring',
  'an old map',
  'a warm loaf',
  'a stranger asleep',
];
const weather = [
  'The wind was cold',
  'The sky was clear',
  'Rain fell all day',
  'Fog lay on the fields',
  'The sun was warm',
  'Snow covered the roofs',
];
const feelings = ['glad', 'afraid', 'tired', 'curious', 'silent', 'merry'];
const endings = [
  'and nobody spoke of it again',
  'and the village slept early',
  'and the bells rang twice',
  'and the children sang by the fire',
  'and the lamps burned late',
];

function entry(day: number): string {
  const lines = [`Day ${day}, the ${pick(ordinals)} ${pick(times)} of ${pick(seasons)}.`];
  lines.push(`${pick(weather)}.`);
  const count = 2 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) {
    const who = pick(people);
    const sentence =
      random() < 0.5
        ? `${who} ${pick(verbs)} ${pick(places)} and found ${pick(finds)}.`
        : `At ${pick(places)}, ${who} was ${pick(feelings)}, ${pick(endings)}.`;
    lines.push(sentence[0].toUpperCase() + sentence.slice(1));
  }
  return `${lines.join('\n')}\n\n`;
}

let text = '';
for (let day = 1; text.length < 48_000; day++) text += entry(day);
writeFileSync(new URL('../data/corpus.txt', import.meta.url), text);
console.log(`wrote data/corpus.txt: ${text.length} characters, ${new Set(text).size} distinct`);
