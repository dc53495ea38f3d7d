export { PipelineWorkflow } from './pipeline';
export { RetrainWorkflow } from './retrain';
export { BudgetWorkflow } from './budget';
export { RollbackWorkflow } from './rollback';
