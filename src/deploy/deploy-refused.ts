/**
 * A deploy's first change refused by the target (a token without write access, a target or revision it does not
 * have): nothing was changed, so there is nothing to roll back, and the model in service serves on. The deploy
 * records no roll-back then, and its notice says the serving model is unchanged.
 */
import { PermanentBackendError } from '../errors';

export const DEPLOY_REFUSED = 'DeployRefused';

export class DeployRefused extends PermanentBackendError {
  override readonly name = DEPLOY_REFUSED;
}
