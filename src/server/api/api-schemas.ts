/**
 * The status API's shapes, once: the TypeScript types the server builds, the request validation, and the
 * schemas of /api/openapi.json (generated from these, so the document cannot drift from the code).
 */
import { z } from 'zod';
import { PIPELINE_NAME } from '../../config/config-schema';
import { STAGES } from '../../workflows/definitions';

export const api = z.registry<{ id: string }>();
const named = <T extends z.ZodType>(id: string, schema: T): T => {
  api.add(schema, { id });
  return schema;
};

export const RUN_STATUSES = ['running', 'succeeded', 'failed', 'cancelled'] as const;

// ---- requests ----

export const runsQuerySchema = z.strictObject({
  pipeline: z.string().regex(PIPELINE_NAME, { message: 'expected a pipeline name' }).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  revision: z
    .string()
    .regex(/^[0-9a-f]{4,40}$/, { message: 'expected a revision or its first 4 hex characters or more' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export type RunsQuery = z.output<typeof runsQuerySchema>;

export const decisionSchema = named(
  'Decision',
  z.strictObject({
    by: z.string().min(1).max(100).optional().describe('who decided (shown in the run and the announcement)'),
    comment: z.string().max(2000).optional(),
  }),
);

// ---- responses ----

export const errorSchema = named(
  'Error',
  z.strictObject({
    error: z.string(),
    issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  }),
);

const stageSchema = named('Stage', z.enum(STAGES));
const runStatusSchema = named(
  'RunStatus',
  z
    .enum(RUN_STATUSES)
    .describe(
      'running = the execution is open; succeeded = completed; failed = failed, timed out or terminated ' +
        '(a rejected run is failed with outcome "rejected"); cancelled = cancelled',
    ),
);
const outcomeSchema = z.enum(['succeeded', 'failed', 'cancelled', 'rejected']);

const linksSchema = named(
  'Links',
  z.strictObject({
    temporal: z.string().optional().describe('the run in the Temporal Web UI'),
    job: z.string().optional().describe('the training job'),
    model: z.string().optional().describe('the produced model'),
    discussion: z.string().optional().describe('the announcement on the Community tab'),
  }),
);

const deliverySchema = named(
  'Delivery',
  z.strictObject({
    source: z.enum(['webhook', 'api', 'cli', 'watch']),
    receivedAt: z.string(),
    webhookId: z.string().optional(),
    event: z.strictObject({ action: z.string(), scope: z.string() }).optional(),
    oldSha: z.string().nullable().optional(),
    newSha: z.string().nullable().optional(),
  }),
);

const promotionSchema = named(
  'Promotion',
  z
    .strictObject({
      promoted: z.boolean().describe('true: the model was put in service; false: the one in service stays'),
      reason: z.string().describe('the verdict in words, with both numbers when there are two'),
      metric: z.string().optional(),
      candidate: z.number().optional().describe("this run's model's value of the metric"),
      current: z.number().optional().describe('the value of the model that was in service when it was judged'),
      currentRevision: z.string().optional().describe('the revision of that model'),
      rows: z.number().optional().describe('how many rows the numbers come from (both models, when sameData)'),
      sameData: z
        .boolean()
        .optional()
        .describe(
          'true: both models were measured on the same rows in this run; false: `current` is the number recorded when that model was trained, on other data',
        ),
      interval: z
        .tuple([z.number(), z.number()])
        .optional()
        .describe('95% interval of candidate - current (paired bootstrap on the same rows)'),
      pValue: z
        .number()
        .optional()
        .describe(
          'one-sided p-value of "the new model is no better" (exact McNemar for accuracy, else paired bootstrap)',
        ),
      split: z
        .string()
        .optional()
        .describe("the split the numbers come from: test, validation, or the pinned evaluation set's"),
    })
    .describe(
      "the promotion gate's verdict on a run that succeeded: whether its model was put in service, and why " +
        "(from the run's progress query or its recorded result; only `promoted` when neither can be read)",
    ),
);

const costSchema = named(
  'Cost',
  z
    .strictObject({
      usd: z.number().describe('what the run cost, in US dollars'),
      seconds: z.number().describe("the seconds the machine ran (the backend's own count where it keeps one)"),
      billedSeconds: z
        .number()
        .optional()
        .describe('seconds rounded up to whole billing units (a Jobs or Space minute): what usd is for'),
      hardware: z.string().describe('the flavor, Space hardware, or local'),
      pricePerHour: z.number().describe('USD per hour of that hardware'),
      priceSource: z
        .string()
        .describe("hub:/api/jobs/hardware (the Hub's list), table:<date> (the dated table in src/budget), or local"),
    })
    .describe('what the run cost, once its training ended'),
);

const figuresSchema = z.strictObject({
  spentUsd: z.number(),
  reservedUsd: z.number(),
  limitUsd: z.number().optional(),
  leftUsd: z.number().optional(),
});

const runBudgetSchema = named(
  'RunBudget',
  z
    .strictObject({
      month: z.string().describe('UTC YYYY-MM'),
      estimateUsd: z.number(),
      basis: z.enum(['timeout', 'median']),
      estimateSeconds: z.number(),
      pricePerHour: z.number(),
      hardware: z.string(),
      priceSource: z.string(),
      decision: z.enum(['reserved', 'over-budget', 'approved-over-budget']),
      reason: z.string().optional(),
      pipeline: figuresSchema,
      global: figuresSchema.optional(),
      perRunUsd: z.number().optional(),
      stopped: z.string().optional().describe('why the training was stopped before it passed per_run_usd'),
    })
    .describe("the run's budget check before its job started, with the figures the ledger answered"),
);

const spendSchema = named(
  'PipelineSpend',
  z
    .strictObject({
      month: z.string().describe('UTC YYYY-MM'),
      spentUsd: z.number(),
      reservedUsd: z.number().describe('estimates of runs that are training'),
      runs: z.number().describe('runs whose cost was settled this month'),
      monthlyUsd: z.number().optional().describe("the pipeline's budget.monthly_usd"),
    })
    .describe("the pipeline's spend this month, from the spend ledger (absent when it cannot be read)"),
);

export const runSummarySchema = named(
  'RunSummary',
  z.strictObject({
    workflowId: z.string(),
    runId: z.string(),
    pipeline: z.string().optional(),
    dataset: z.string().optional(),
    revision: z.string().optional(),
    status: runStatusSchema,
    executionStatus: z.string().describe("Temporal's execution status (RUNNING, COMPLETED, FAILED, ...)"),
    stage: stageSchema.optional(),
    outcome: outcomeSchema.optional(),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    jobId: z.string().optional(),
    links: linksSchema,
    promotion: promotionSchema.optional(),
    cost: costSchema.optional(),
  }),
);

/** A run's deploy of its promoted model (README, "Serving"). */
export const servedModelFields = {
  revision: z.string().describe("the registry's revision: the dataset revision the model was trained on"),
  repository: z.string().optional().describe('the Hub model repo (an Inference Endpoint or a Space)'),
  modelRevision: z.string().optional().describe("the repo's exact commit the target serves"),
};

export const deploymentSchema = named(
  'Deployment',
  z.strictObject({
    target: z.enum(['endpoint', 'space', 'local']),
    ...servedModelFields,
    health: z.enum(['deploying', 'healthy', 'failed']),
    state: z.string().optional().describe("the target's last state seen (running, updating, RUNNING, ...)"),
    smoke: z.array(z.strictObject({ input: z.string(), label: z.string() })).optional(),
    error: z.string().optional(),
    previous: z.strictObject(servedModelFields).optional().describe('what served before, the roll-back target'),
    rolledBack: z.boolean().describe('true: the deploy failed and what served before serves again'),
    rollbackError: z.string().optional(),
    unchanged: z.boolean().optional().describe('the deploy failed before it changed anything'),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    by: z.string().describe("who asked for it: a run's workflow id, or the person of a roll-back by hand"),
  }),
);

const dataCheckSchema = named(
  'DataCheck',
  z
    .strictObject({
      check: z
        .string()
        .describe('schema, missing_values, unreadable_images, too_long, small_classes, unseen_labels, ...'),
      status: z.enum(['pass', 'warn', 'fail']),
      count: z.number().describe('rows, labels or classes found (the detail says which); 0 is a pass'),
      examples: z.array(z.string()).describe('up to 10, each naming where (file:line)'),
      detail: z.string(),
      policy: z
        .enum(['fail', 'approve', 'warn'])
        .describe("what the pipeline's data_checks do when it finds something"),
      error: z.string().optional().describe('the check itself could not run (then treated by its policy): why'),
    })
    .describe("one data check of the run's revision (stage checking-data)"),
);

export const runDetailSchema = named(
  'RunDetail',
  runSummarySchema.extend({
    live: z.boolean().describe("true: from the run's progress query; false: from describe, memo and search attributes"),
    note: z.string().optional(),
    backend: z.string().optional(),
    backendStatus: z.string().optional().describe("the backend's own status while training"),
    progress: z.number().optional().describe('0..1 when the backend reports it'),
    message: z.string().optional(),
    metrics: z.record(z.string(), z.number()),
    timings: z.record(z.string(), z.string()).describe('ISO time each stage was entered'),
    delivery: deliverySchema.optional().describe('the update that started this run'),
    approval: z
      .strictObject({
        requested: z.string(),
        decided: z.string().optional(),
        decision: z.enum(['approved', 'rejected', 'timed-out']).optional(),
        by: z.string().optional(),
        comment: z.string().optional(),
        checks: z.array(z.string()).optional().describe('the data checks whose findings asked for this approval'),
      })
      .optional(),
    dataChecks: z.array(dataCheckSchema).optional().describe("the data checks of the run's revision, before training"),
    dataChecksSkipped: z.string().optional().describe('why the data checks did not run'),
    priceUnknown: z
      .string()
      .optional()
      .describe('the run trained without a budget on a machine with no price: its cost is unknown, and why'),
    error: z.string().optional(),
    logTail: z.array(z.string()),
    compensationErrors: z.array(z.string()).optional(),
    announcementErrors: z
      .array(z.string())
      .optional()
      .describe('announcements or uploads that failed without failing the run'),
    polls: z.number().optional().describe("the backend's status checks so far"),
    deployment: deploymentSchema.optional().describe('the deploy of the promoted model, for pipelines with `deploy`'),
    nextCheckAt: z.string().optional().describe('when the running job is checked next (ISO time)'),
    lastCheckError: z
      .string()
      .optional()
      .describe('why the last status check did not reach the backend (it is retried)'),
    budget: runBudgetSchema.optional(),
  }),
);

const runResultSchema = named(
  'RunResult',
  z.strictObject({
    workflowId: z.string(),
    revision: z.string(),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    outcome: outcomeSchema.optional(),
    message: z.string().optional(),
    promotion: promotionSchema.optional(),
  }),
);

const activeRunSchema = named(
  'ActiveRun',
  z.strictObject({
    workflowId: z.string(),
    revision: z.string(),
    startedAt: z.string(),
    cancelRequested: z.boolean().optional(),
    stage: stageSchema.optional(),
    links: linksSchema,
  }),
);

export const pipelineViewSchema = named(
  'Pipeline',
  z.strictObject({
    name: z.string(),
    dataset: z.string(),
    model: z.string(),
    task: z.string(),
    backend: z.string(),
    workflowId: z.string().describe('the PipelineWorkflow (pipeline:<name>)'),
    policy: z.strictObject({
      debounceSeconds: z.number(),
      onNewRevision: z.enum(['queue', 'cancel']),
      approval: z.enum(['none', 'required']),
    }),
    started: z.boolean().describe('false until the first update of this pipeline arrived'),
    live: z.boolean().describe("true: from the pipeline's state query; false: from visibility (or nothing yet)"),
    note: z.string().optional(),
    active: activeRunSchema.optional(),
    waiting: z
      .strictObject({ revision: z.string().optional(), since: z.string(), delivery: deliverySchema })
      .optional()
      .describe('the newest update waiting for the debounce window or for the active run'),
    lastResult: runResultSchema.optional(),
    recent: z.array(runResultSchema),
    superseded: z
      .array(
        z.strictObject({
          revision: z.string(),
          by: z.string(),
          at: z.string(),
          reason: z.enum(['newer-update', 'head-moved', 'cancelled-running']),
        }),
      )
      .describe('the newest superseded revisions (at most 100), newest first'),
    supersededTotal: z
      .number()
      .optional()
      .describe('every revision this pipeline has superseded (from its state: absent when not live)'),
    supersededNotListed: z
      .number()
      .optional()
      .describe(
        'how many of them are no longer listed in `superseded`: only the newest 100 are kept, the rest counted',
      ),
    counters: z.strictObject({ updates: z.number(), duplicates: z.number(), runsStarted: z.number() }).optional(),
    spend: spendSchema.optional(),
  }),
);

export const pipelinesResponseSchema = named(
  'PipelineList',
  z.strictObject({ pipelines: z.array(pipelineViewSchema) }),
);
export const runsResponseSchema = named(
  'RunList',
  z.strictObject({ runs: z.array(runSummarySchema), query: z.string().describe('the visibility query used') }),
);
export const triggerResponseSchema = named(
  'TriggerAccepted',
  z.strictObject({ accepted: z.literal(true), pipeline: z.string(), workflowId: z.string(), message: z.string() }),
);
export const actionResponseSchema = named(
  'ActionAccepted',
  z.strictObject({
    accepted: z.literal(true),
    workflowId: z.string(),
    action: z.enum(['cancel', 'approve', 'reject']),
    decision: z
      .strictObject({
        decision: z.enum(['approved', 'rejected']),
        by: z.string().optional(),
        comment: z.string().optional(),
        decidedAt: z.string().describe('when the run took the decision (ISO time)'),
      })
      .optional()
      .describe('approve and reject: the decision the run took'),
    message: z.string(),
  }),
);

// ---- the receiver's other routes (documented in the same file) ----

export const trainingEndedSchema = named(
  'TrainingEndedAccepted',
  z.strictObject({
    processed: z.literal(true),
    notice: z.literal('training-ended'),
    workflowIds: z.array(z.string()).describe('the run told'),
  }),
);

export const webhookAcceptedSchema = named(
  'WebhookAccepted',
  z.strictObject({
    processed: z.literal(true),
    pipelines: z.array(z.string()),
    workflowIds: z.array(z.string()),
    revision: z.string().nullable().describe('the sha main moved to, as the Hub reported it'),
  }),
);
export const webhookIgnoredSchema = named(
  'WebhookIgnored',
  z.strictObject({ processed: z.literal(false), reason: z.string() }),
);
export const healthSchema = named('Health', z.strictObject({ status: z.string(), error: z.string().optional() }));

export type RunStatus = z.output<typeof runStatusSchema>;
export type RunSummaryView = z.output<typeof runSummarySchema>;
export type RunDetailView = z.output<typeof runDetailSchema>;
export type PipelineView = z.output<typeof pipelineViewSchema>;
export type SpendView = z.output<typeof spendSchema>;
export type LinksView = z.output<typeof linksSchema>;
export type DeliveryView = z.output<typeof deliverySchema>;
export type RunResultView = z.output<typeof runResultSchema>;
export type PromotionView = z.output<typeof promotionSchema>;
export type TriggerResponse = z.output<typeof triggerResponseSchema>;
export type ActionResponse = z.output<typeof actionResponseSchema>;
export type ErrorResponse = z.output<typeof errorSchema>;

// ---- a pipeline's model quality across revisions (GET /api/pipelines/{name}/metrics) ----

export const seriesQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(200),
});

export const VERDICTS = ['promoted', 'not-promoted', 'not-evaluated'] as const;

const metricPointSchema = named(
  'MetricPoint',
  z.strictObject({
    workflowId: z.string(),
    runId: z.string(),
    revision: z.string(),
    endedAt: z.string(),
    value: z.number().optional().describe('the metric this model scored; absent when its run did not report it'),
    baseline: z
      .number()
      .optional()
      .describe('what the model in service scored when the gate compared them (absent for the first model)'),
    baselineRevision: z.string().optional().describe('the revision of that model in service'),
    sameData: z
      .boolean()
      .optional()
      .describe(
        'true: `value` and `baseline` were measured on the same rows in that run; false: baseline is a recorded number',
      ),
    rows: z.number().optional().describe('how many rows `value` (and `baseline`, when sameData) come from'),
    pValue: z.number().optional().describe('the paired test\'s p-value of "no better"'),
    verdict: z
      .enum(VERDICTS)
      .describe("the promotion gate's verdict; not-evaluated = the run ended before the gate existed"),
    reason: z.string().optional().describe('the verdict in words, as the announcement said it'),
    inService: z.boolean().describe('true for the newest promoted model: the one in service'),
    links: linksSchema,
  }),
);

export const metricSeriesSchema = named(
  'MetricSeries',
  z.strictObject({
    pipeline: z.string(),
    metric: z.string().describe('the promotion metric, or accuracy when the pipeline sets no gate'),
    direction: z.enum(['max', 'min']).describe('max: higher is better; min: lower is better'),
    gate: z.boolean().describe('false: no promotion gate is configured, every trained model is promoted'),
    minDelta: z.number().optional().describe('how much better than the model in service a new one must be'),
    threshold: z
      .number()
      .optional()
      .describe('the value a new model must beat (strictly) to be promoted: in service ± minDelta'),
    inService: z
      .strictObject({ workflowId: z.string(), revision: z.string(), value: z.number().optional() })
      .optional()
      .describe('the newest promoted model among the runs read'),
    points: z
      .array(metricPointSchema)
      .describe('every run that trained a model (succeeded), oldest first; failed and cancelled runs have none'),
    runsRead: z.number().describe('how many of the newest runs were read (open and closed)'),
    truncated: z
      .boolean()
      .describe('true when `limit` runs were read: older runs may exist, and are not in the series'),
  }),
);

export type SeriesQuery = z.output<typeof seriesQuerySchema>;
export type Verdict = (typeof VERDICTS)[number];
export type MetricPointView = z.output<typeof metricPointSchema>;
export type MetricSeriesView = z.output<typeof metricSeriesSchema>;
