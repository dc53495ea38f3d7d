export { PipelineWorkflow } from './pipeline';
export { RetrainWorkflow } from './retrain';
export { RollbackWorkflow } from './rollback';
