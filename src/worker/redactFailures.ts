import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  Next,
  WorkerInterceptors,
} from '@temporalio/worker';
import { redact } from '../security/redact.js';

/**
 * Every failure that leaves an activity is recorded in the workflow's history and shown in the Web
 * UI, the API and the CLI. Whatever raised it (our code, a provider's client quoting a header back),
 * its messages and stacks are redacted here, on the way out of every worker, before Temporal sees them.
 */
class RedactFailures implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    try {
      return await next(input);
    } catch (err) {
      for (let e: unknown = err; e instanceof Error; e = e.cause) {
        e.message = redact(e.message);
        if (e.stack) e.stack = redact(e.stack);
      }
      throw err;
    }
  }
}

export const redactingInterceptors: WorkerInterceptors = { activity: [() => ({ inbound: new RedactFailures() })] };
