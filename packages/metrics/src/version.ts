/** Written into the `version:` field of sacreBLEU-style signatures, so a signature says which tool produced it. */
export const SIGNATURE_VERSION = 'scratchseq-metrics-0.1.0';
