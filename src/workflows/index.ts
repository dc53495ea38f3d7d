export { PipelineWorkflow } from './pipeline';
export { RetrainWorkflow } from './retrain';
