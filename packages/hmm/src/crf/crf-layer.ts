import {
  add,
  cast,
  contiguous,
  crfLogPartition,
  type Device,
  div,
  embedding,
  empty,
  type Generator,
  gather,
  hmmViterbi,
  indexSelect,
  mul,
  nn,
  noGrad,
  ones,
  pad,
  reshape,
  slice,
  squeeze,
  sub,
  sum,
  type Tensor,
  unsqueeze,
} from '@scratchseq/gpu';
import { HmmInputError } from '../errors.js';
import type { CrfReduction } from './linear-chain-crf.js';

export interface CrfLayerOptions {
  /** Where the parameters live (default: the current device). */
  device?: Device;
  /** Random stream for the U(-0.1, 0.1) initialization (default: the device's). */
  generator?: Generator;
}

/**
 * Linear-chain CRF as an `nn.Module` on `@scratchseq/gpu`, after pytorch-crf's
 * `CRF(num_tags, batch_first=True)`: the same parameter names and layouts, the same
 * log-likelihood and reductions, differentiable through autograd. log Z runs as one fused
 * forward-algorithm kernel (`crfLogPartition`) whose backward writes the marginals; the gold
 * path's score is composed from gathers. The CPU `LinearChainCRF` is its float64 oracle.
 *
 *   start_transitions (K), end_transitions (K), transitions (K, K): [i, j] scores tag i → tag j
 */
export class CRF extends nn.Module {
  readonly numTags: number;
  start_transitions: Tensor; // (K)
  end_transitions: Tensor; // (K)
  transitions: Tensor; // (K, K)

  constructor(numTags: number, options: CrfLayerOptions = {}) {
    super();
    if (!Number.isInteger(numTags) || numTags < 1)
      throw new HmmInputError(`numTags must be a positive integer, got ${numTags}`);
    this.numTags = numTags;
    const param = (shape: number[]) => {
      const t = nn.parameter(empty(shape, { device: options.device }));
      return nn.init.uniform(t, -0.1, 0.1, { generator: options.generator });
    };
    this.start_transitions = param([numTags]);
    this.end_transitions = param([numTags]);
    this.transitions = param([numTags, numTags]);
  }

  /**
   * log p(tags | emissions) reduced as pytorch-crf: 'sum' (default), 'mean' over the batch,
   * 'token_mean' over unmasked steps, or 'none' (B).
   *
   * @param emissions (B, T, K) f32 tag scores, finite
   * @param tags (B, T) i32 in [0, K) (any valid tag at masked steps)
   * @param mask (B, T), nonzero for real steps; each row a prefix of ones with mask[:, 0] on
   *   (not checked on the device: a gap counts as the end of the sequence). Default: all on.
   */
  forward(emissions: Tensor, tags: Tensor, mask?: Tensor, reduction: CrfReduction = 'sum'): Tensor {
    const [B, T] = this.checkInputs(emissions, tags, mask);
    const on = this.maskOf(emissions, mask); // (B, T) f32
    const lengths = cast(sum(on, 1), 'i32'); // (B)
    const flatTags = reshape(contiguous(tags), [B * T]);
    const atTag = (scores: Tensor) => reshape(indexSelect(scores, 0, flatTags), [B, T]); // (B, T)
    // score(y) = start[y_0] + sum_t e_t[y_t] + sum_{t>0} A[y_{t-1}, y_t] + end[y_last]
    const emitted = squeeze(gather(emissions, 2, unsqueeze(tags, 2)), 2); // (B, T)
    let gold = sum(mul(emitted, on), 1); // (B)
    gold = add(gold, reshape(slice(atTag(this.start_transitions), 1, 0, 1), [B]));
    const last = sub(
      on,
      pad(slice(on, 1, 1, T), [
        [0, 0],
        [0, 1],
      ]),
    ); // (B, T): 1 at the last real step
    gold = add(gold, sum(mul(atTag(this.end_transitions), last), 1));
    if (T > 1) {
      const rows = embedding(this.transitions, slice(tags, 1, 0, T - 1)); // (B, T-1, K)
      const next = unsqueeze(contiguous(slice(tags, 1, 1, T)), 2); // (B, T-1, 1)
      const moved = squeeze(gather(rows, 2, next), 2); // (B, T-1)
      gold = add(gold, sum(mul(moved, slice(on, 1, 1, T)), 1));
    }
    const logZ = crfLogPartition(
      emissions,
      lengths,
      this.start_transitions,
      this.end_transitions,
      this.transitions,
    ); // (B)
    const perSequence = sub(gold, logZ); // (B)
    if (reduction === 'none') return perSequence;
    if (reduction === 'sum') return sum(perSequence);
    if (reduction === 'mean') return div(sum(perSequence), B);
    if (reduction === 'token_mean') return div(sum(perSequence), sum(on));
    throw new HmmInputError(
      `reduction must be 'none', 'sum', 'mean' or 'token_mean', got '${reduction}'`,
    );
  }

  /** Viterbi decoding on the device: the best tag sequence of each unmasked prefix. */
  async decode(emissions: Tensor, mask?: Tensor): Promise<number[][]> {
    const [B, T] = this.checkInputs(emissions, undefined, mask);
    const { paths, lengths } = noGrad(() => {
      const on = this.maskOf(emissions, mask);
      const lengths = cast(sum(on, 1), 'i32');
      const result = hmmViterbi(
        emissions,
        lengths,
        this.start_transitions,
        this.transitions,
        this.end_transitions,
      );
      return { paths: result.paths, lengths };
    });
    const [flat, lens] = await Promise.all([paths.toArray(), lengths.toArray()]);
    const out: number[][] = [];
    for (let b = 0; b < B; b++) out.push(Array.from(flat.subarray(b * T, b * T + lens[b])));
    return out;
  }

  private maskOf(emissions: Tensor, mask: Tensor | undefined): Tensor {
    const [B, T] = emissions.shape;
    if (!mask) return ones([B, T], { device: emissions.device });
    return cast(mask, 'f32');
  }

  private checkInputs(emissions: Tensor, tags: Tensor | undefined, mask: Tensor | undefined) {
    const K = this.numTags;
    if (emissions.rank !== 3 || emissions.shape[2] !== K || emissions.shape[1] < 1)
      throw new HmmInputError(
        `CRF: expected emissions of shape (B, T, ${K}) with T >= 1, got (${emissions.shape.join(', ')})`,
      );
    const [B, T] = emissions.shape;
    if (
      tags &&
      (tags.dtype !== 'i32' || tags.rank !== 2 || tags.shape[0] !== B || tags.shape[1] !== T)
    )
      throw new HmmInputError(
        `CRF: expected tags as an i32 tensor of shape (${B}, ${T}), got ${tags.dtype} (${tags.shape.join(', ')}); convert with cast(tags, 'i32')`,
      );
    if (mask && (mask.rank !== 2 || mask.shape[0] !== B || mask.shape[1] !== T))
      throw new HmmInputError(
        `CRF: expected a mask of shape (${B}, ${T}), got (${mask.shape.join(', ')})`,
      );
    return [B, T] as const;
  }
}
