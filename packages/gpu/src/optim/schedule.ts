/**
 * Learning-rate schedules. Each is a pure function of the step index — the number of
 * optimizer steps already taken, so the first update uses step 0 — and each has a factory
 * that binds its options into an `LRSchedule`, which an optimizer accepts as its `lr`.
 */

/** The learning rate for the update at `step` (0-based). */
export type LRSchedule = (step: number) => number;

export interface StepDecayOptions {
  lr: number;
  /** Multiply the rate by `gamma` every `stepSize` steps (torch.optim.lr_scheduler.StepLR). */
  stepSize: number;
  gamma?: number;
}

export interface WarmupOptions {
  lr: number;
  /** Steps of linear warmup: step s < warmupSteps uses lr · (s + 1) / warmupSteps. */
  warmupSteps: number;
}

export interface CosineOptions extends WarmupOptions {
  /** Step at which the cosine reaches `minLr`; the rate stays there afterwards. */
  totalSteps: number;
  minLr?: number;
}

function check(name: string, ok: boolean, message: string): void {
  if (!ok) throw new Error(`${name}: ${message}`);
}

export function constantLR(_step: number, options: { lr: number }): number {
  return options.lr;
}

export function stepLR(step: number, { lr, stepSize, gamma = 0.1 }: StepDecayOptions): number {
  check(
    'stepLR',
    Number.isInteger(stepSize) && stepSize > 0,
    `stepSize must be a positive integer, got ${stepSize}`,
  );
  return lr * gamma ** Math.floor(step / stepSize);
}

/**
 * Linear warmup to `lr`, then constant. The first step gets lr / warmupSteps rather than 0,
 * so no update is wasted (as nanoGPT's `(it + 1) / warmup`).
 */
export function linearWarmupLR(step: number, { lr, warmupSteps }: WarmupOptions): number {
  check('linearWarmupLR', warmupSteps >= 0, `warmupSteps must be ≥ 0, got ${warmupSteps}`);
  return step < warmupSteps ? (lr * (step + 1)) / warmupSteps : lr;
}

/**
 * Linear warmup, then half a cosine from `lr` down to `minLr` at `totalSteps`
 * (Loshchilov & Hutter 2017, SGDR, without restarts):
 *   lr_s = minLr + ½(lr − minLr)(1 + cos(π (s − warmup) / (total − warmup))).
 */
export function cosineLR(
  step: number,
  { lr, warmupSteps, totalSteps, minLr = 0 }: CosineOptions,
): number {
  check(
    'cosineLR',
    totalSteps > warmupSteps,
    `totalSteps (${totalSteps}) must exceed warmupSteps (${warmupSteps})`,
  );
  if (step < warmupSteps) return linearWarmupLR(step, { lr, warmupSteps });
  if (step >= totalSteps) return minLr;
  const progress = (step - warmupSteps) / (totalSteps - warmupSteps);
  return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * progress));
}

/** Binds options into a schedule, validating them now rather than at the first step. */
function bind<O>(fn: (step: number, options: O) => number, options: O): LRSchedule {
  fn(0, options);
  return (step) => fn(step, options);
}

export const constantSchedule = (lr: number): LRSchedule => bind(constantLR, { lr });
export const stepSchedule = (options: StepDecayOptions): LRSchedule => bind(stepLR, options);
export const linearWarmupSchedule = (options: WarmupOptions): LRSchedule =>
  bind(linearWarmupLR, options);
export const cosineSchedule = (options: CosineOptions): LRSchedule => bind(cosineLR, options);
