// `pnpm bench ngram`: names.txt test losses, counting and query throughput (see names.mjs).
import { runNamesBench } from './names.mjs';

export default async function ngramBench() {
  return runNamesBench();
}
