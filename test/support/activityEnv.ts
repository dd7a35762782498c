import { MockActivityEnvironment } from '@temporalio/testing';

/**
 * MockActivityEnvironment.run cannot infer an activity's return type; this wrapper keeps the
 * activity's own signature so tests and benchmarks stay type-checked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyActivity = (...args: any[]) => Promise<unknown>;

export function typedRunner(env: MockActivityEnvironment) {
  return <F extends AnyActivity>(fn: F, ...args: Parameters<F>): ReturnType<F> => env.run(fn, ...args) as ReturnType<F>;
}
