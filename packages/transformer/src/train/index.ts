export { type ChartSeries, type LineChartOptions, lineChartSvg } from './loss-chart.js';
export {
  type EvalEvent,
  learningRateAt,
  lossChartSvg,
  NonFiniteLossError,
  type ResolvedTrainingConfig,
  resolveTrainingConfig,
  type StepEvent,
  type TrainableModel,
  Trainer,
  type TrainerCallbacks,
  type TrainerCheckpoint,
  type TrainerState,
  type TrainingConfig,
  type TrainingHistory,
} from './trainer.js';
