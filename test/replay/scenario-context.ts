/** What a recording scenario (scenarios.ts, deploy-scenarios.ts) runs against: Temporal, the fakes, the task queue. */
import type { Client } from '@temporalio/client';
import type { FakeStack } from '../helpers/stack';

export interface ScenarioContext {
  client: Client;
  fakes: FakeStack;
  taskQueue: string;
}
