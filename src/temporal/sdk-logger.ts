import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { Logger } from 'pino';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Our own code's logs through the SDK: workflow and activity `log` calls. */
const OUR_COMPONENTS = new Set(['workflow', 'activity']);

/**
 * Routes the Temporal SDK's logs (and workflow and activity `log` calls, which carry workflowId, activity
 * type and so on as metadata) into our pino logger. The SDK's own info lines (worker state, the workflow
 * bundle's build statistics) go to debug, and an activity's task token never reaches info or above: it is
 * a credential for completing the activity, and noise to a reader.
 */
export class PinoSdkLogger implements SdkLogger {
  constructor(private readonly logger: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const ours = OUR_COMPONENTS.has(String(meta?.sdkComponent ?? ''));
    const effective = level === 'INFO' && !ours ? 'DEBUG' : level;
    const fields = { ...meta };
    if (effective !== 'TRACE' && effective !== 'DEBUG') delete fields.taskToken;
    this.logger[LEVELS[effective]](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
