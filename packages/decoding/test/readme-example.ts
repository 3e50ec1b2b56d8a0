import { beamSearch, type NextTokenModel, sample } from '@scratchseq/decoding';

// A bigram model over 4 tokens: 0 = <eos>, 1 = "a", 2 = "b", 3 = <bos>.
const P = [
  [1, 0, 0, 0], // P(next | <eos>), never used
  [0.3, 0.2, 0.5, 0], // P(next | "a")
  [0.4, 0.4, 0.2, 0], // P(next | "b")
  [0.1, 0.6, 0.3, 0], // P(next | <bos>)
];
// One row of log-probabilities per hypothesis; the state is just the previous token.
function scoresAfter(previous: number[]) {
  const scores = new Float32Array(previous.length * 4); // (batch, vocab)
  for (const [row, prev] of previous.entries()) scores.set(P[prev].map(Math.log), row * 4);
  return { scores, kind: 'logprobs' as const, states: previous };
}
const bigram: NextTokenModel<number> = {
  vocabSize: 4,
  start: (prompt) => scoresAfter([prompt[prompt.length - 1]]),
  step: (lastTokens) => scoresAfter(Array.from(lastTokens)),
};

const beams = await beamSearch(bigram, [3], { numBeams: 3, eosTokenId: 0, maxLength: 10 });
const samples = await sample(bigram, [3], { topP: 0.9, numReturnSequences: 4, eosTokenId: 0 });
console.log(
  beams.sequences[0].tokens,
  samples.sequences.map((s) => s.tokens),
);

export { beams, samples };
