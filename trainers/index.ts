/** The default local trainers' API (the commands in trainers/bin wrap these). See trainers/README.md. */
export { readTrainerEnv, parseParams, type TrainerEnv } from './core/env';
export { EXIT_FAILURE, EXIT_INPUT_ERROR, TrainerInputError } from './core/errors';
export { FEATURES_FILE, METRICS_FILE, MODEL_FILE, WEIGHTS_FILE, type ModelManifest } from './core/model-files';
export { TASKS, trainerParamsSchema, type Task, type TrainerParams } from './core/params';
export { jsonLinesReporter, silentReporter, type ProgressLine, type Reporter } from './core/progress';
export type { MetricsReport } from './core/train-classifier';
export { loadImageDataset, type ImageExample, type ImageSource } from './data/load-images';
export { loadTextDataset, type TextExample } from './data/load-text';
export type { LoadedDataset } from './data/dataset';
export { inspectDataset, type DatasetSummary } from './inspect';
export {
  loadPredictor,
  predict,
  readInputArgument,
  type PredictInput,
  type Prediction,
  type Predictor,
} from './predict';
export { train } from './train';
