/**
 * Optimizers with fused WGSL update kernels, gradient clipping and learning-rate schedules.
 *
 *   const opt = new optim.AdamW(model.parameters(), { lr: optim.cosineSchedule({ lr: 3e-4, warmupSteps: 100, totalSteps: 5000 }) });
 *   loss.backward(); optim.clipGradNorm(model.parameters(), 1); opt.step(); opt.zeroGrad();
 */
export { Adam, type AdamHyperparameters, type AdamOptions, AdamW } from './adam.js';
export { clipGradNorm, clipGradValue } from './clip.js';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type ParamState,
  type ParamsOrGroups,
  type SavedParamGroup,
} from './optimizer.js';
export {
  type CosineOptions,
  constantLR,
  constantSchedule,
  cosineLR,
  cosineSchedule,
  type LRSchedule,
  linearWarmupLR,
  linearWarmupSchedule,
  type StepDecayOptions,
  stepLR,
  stepSchedule,
  type WarmupOptions,
} from './schedule.js';
export { SGD, type SGDHyperparameters, type SGDOptions } from './sgd.js';
