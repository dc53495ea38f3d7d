/**
 * The patch ids of RetrainWorkflow, in one place with their state. A patch goes in three steps (README,
 * "Upgrade notes"): `patched(id)` with both branches while runs started on the old code may be open;
 * `deprecatePatch(id)` without the old branch (and without its replay histories) once none is; no call at
 * all once no open run was started on code that called `patched(id)`.
 */

/**
 * Step 2 (deprecated): every run waits for its job in one retried activity, awaitTraining. The branch that
 * polled with workflow timers (pollUntilDone) is gone.
 */
export const POLL_BY_RETRY = 'poll-by-retry';

/** Step 2 (deprecated): every run that trained evaluates its model and passes the promotion gate. */
export const EVALUATE_AND_PROMOTE = 'evaluate-and-promote';

/**
 * Step 1 (both branches): the activities decide what used to be decided in workflow code. Evaluation says
 * whether the model is published; compensation always schedules the clean-up (the activity does nothing
 * when the pipeline does not ask for it) and stops the job of a run whose start was requested, with or
 * without its id.
 */
export const ACTIVITIES_DECIDE = 'activities-decide';

/**
 * Step 1 (both branches): a run waiting for its job also listens for trainingEndedSignal; a notice cancels the
 * pending check (waiting out its retry delay) and checks at once. awaitTraining gets a third argument (the run
 * listens, and since when it trains), so the activity may space its checks out to a safety-net interval where the
 * backend tells of the end. Runs started before wait as they did (every `poll_interval_seconds`).
 */
export const TRAINING_NOTICE = 'training-notice';

/**
 * Step 1 (both branches): a run whose model was promoted, of a pipeline with `deploy`, puts it in service in the
 * `deploying` stage (retrain-deploy.ts): apply, wait until the target serves it, smoke-check it, and on a failure
 * roll back to what served before. Runs started before end after publishing as they did.
 */
export const DEPLOY_AFTER_PROMOTION = 'deploy-after-promotion';

/**
 * Step 1 (both branches): an AutoTrain run with a `promotion` rule whose training succeeded measures both models on the same rows before
 * the gate (measureOnSameRows: the candidate AutoTrain pushed and the model in service at its recorded commit,
 * downloaded, evaluated by the transformers trainer's compare.py on the run's revision), and evaluateModel gets
 * its answer. Runs started before compare the numbers as recorded.
 */
export const AUTOTRAIN_SAME_ROWS = 'autotrain-same-rows';

/**
 * Step 1 (both branches): a run first checks the data of its revision (stage `checking-data`, activity checkData,
 * before createProject): a finding whose policy is `fail` ends the run before anything is created; one whose policy
 * is `approve` waits for a person (the approval gate, stage `awaiting-approval`), who then approves the whole run.
 * Runs started before go straight to createProject.
 */
export const DATA_CHECKS = 'data-checks';

/**
 * Step 1 (both branches): before its job starts a run prices its machine (priceRun) and, with a budget, reserves its
 * estimate in the spend ledger (BudgetWorkflow, reserveBudget); over budget it waits for approval or fails; a training
 * that would pass per_run_usd is stopped; when the training ends what the run cost is settled (settleRunCost).
 * src/workflows/retrain-budget.ts.
 */
export const COST_AND_BUDGET = 'cost-and-budget';

/**
 * Step 1 (both branches): a run that fails or is cancelled after its training started settles what it cost between
 * stopping its job and posting the failure notice, so the notice (and the outgoing webhook) carry the cost row. Runs
 * started before settle it after the notice, as they did.
 */
export const COST_BEFORE_FAILURE_NOTICE = 'cost-before-failure-notice';

/**
 * Step 1 (both branches): a training held to per_run_usd is stopped within the whole billing units per_run_usd pays
 * for (less a margin for the cancellation), not at per_run_usd ÷ price, which could fall inside a unit that passes
 * it (perRunLimitSeconds, src/budget/cost-math.ts). Runs started before are held as they were.
 */
export const PER_RUN_WHOLE_UNITS = 'per-run-whole-units';

/**
 * Step 1 (both branches): a deploy whose first change the target refuses (DeployRefused: a token without write
 * access, a revision the Hub does not have) changed nothing: it is recorded as `unchanged`, with no roll-back, and
 * its notice says the model in service is unchanged. Deploys started before roll back to what still serves.
 * src/workflows/retrain-deploy.ts.
 */
export const DEPLOY_REFUSED_UNCHANGED = 'deploy-refused-unchanged';
