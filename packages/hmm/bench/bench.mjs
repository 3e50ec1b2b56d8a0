// `pnpm bench hmm`: forward/Viterbi/Baum-Welch throughput from the package's own measurer.
export default async function hmmBench() {
  const { measureThroughput } = await import('../dist/index.js');
  return measureThroughput();
}
