// `pnpm bench ngram`: names.txt test losses (count models and the Bengio et al. 2003 neural
// model), counting and query throughput, and count memory (see names.mjs).
import { runBengioBench, runNamesBench } from './names.mjs';

export default async function ngramBench(ctx = {}) {
  const log = ctx.log ?? (() => {});
  return [...runNamesBench({ log }), ...(await runBengioBench({ log }))];
}
