// `pnpm bench ngram`: names.txt test losses (count models and the Bengio et al. 2003 neural
// model), counting and query throughput, and count memory on a 10M-token Zipf corpus at
// order 5 (see names.mjs). NGRAM_BENCH=quick runs only the throughput and memory parts.
import { runBengioBench, runNamesBench } from './names.mjs';

export default async function ngramBench(ctx = {}) {
  const log = ctx.log ?? (() => {});
  const quick = process.env.NGRAM_BENCH === 'quick';
  const records = runNamesBench({ log, zipf: true, losses: !quick });
  if (!quick) records.push(...(await runBengioBench({ log })));
  return records;
}
