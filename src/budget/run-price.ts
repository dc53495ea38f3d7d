/**
 * The price of a run's machine, per backend: Jobs ask the Hub (HfJobsBackend.price); an AutoTrain run trains on a
 * Space, whose hardware is priced from the config's dated `prices` or the built-in table (no API publishes it); a local run costs nothing.
 */
import { type RunContext, type TrainingBackend } from '../backends/types';
import { PermanentBackendError } from '../errors';
import type { Price } from './cost-math';
import { PRICE_SOURCES, priceFromTable, tablesSearched } from './hardware-prices';

export async function priceOfRun(backend: TrainingBackend, run: RunContext): Promise<Price> {
  if (backend.price) return backend.price(run);
  const options = run.pipeline.backend;
  switch (options.type) {
    case 'local':
      return { hardware: 'local', pricePerHour: 0, priceSource: PRICE_SOURCES.local, billingUnitSeconds: 1 };
    case 'autotrain': {
      // Spaces bill by the minute, as Jobs do (hub-docs docs/hub/spaces-gpus.md: "billed by the minute").
      const price = priceFromTable(options.hardware, 60, run.pipeline.prices);
      if (price) return price;
      throw new PermanentBackendError(
        `pipeline ${run.pipeline.name}: backend.hardware: no price for "${options.hardware}" in ${tablesSearched(run.pipeline.prices)}`,
      );
    }
    default:
      throw new PermanentBackendError(`pipeline ${run.pipeline.name}: no price for backend "${options.type}"`);
  }
}
