import { describe, expect, it } from 'vitest';
import { KeySlots } from '../src/replicate/keySlots.js';

/**
 * A key's upstream slots: the limit holds, and a slot freed by a cancelled prediction is not handed
 * to another activity of the same run (its cancellation is on its way), but to other runs at once.
 */
describe('KeySlots', () => {
  it('holds the limit and hands a freed slot to the next waiter', async () => {
    const slots = new KeySlots(1);
    const release = await slots.acquire(new AbortController().signal, () => undefined, 50, 'run-a');
    let second = false;
    const next = slots
      .acquire(new AbortController().signal, () => undefined, 50, 'run-a')
      .then((r) => {
        second = true;
        return r;
      });
    await new Promise((r) => setTimeout(r, 120));
    expect(second).toBe(false);
    expect(slots.inUse).toBe(1);
    release();
    (await next)();
    expect(second).toBe(true);
    expect(slots.inUse).toBe(0);
  });

  it('after a cancelled holder, passes over that run’s waiters and serves another run', async () => {
    const slots = new KeySlots(1);
    const release = await slots.acquire(new AbortController().signal, () => undefined, 50, 'run-a');
    const sibling = new AbortController();
    const order: string[] = [];
    const siblingTurn = slots
      .acquire(sibling.signal, () => undefined, 50, 'run-a')
      .then(
        () => order.push('run-a sibling'),
        () => order.push('run-a sibling cancelled'),
      );
    await new Promise((r) => setTimeout(r, 60));
    const other = slots
      .acquire(new AbortController().signal, () => undefined, 50, 'run-b')
      .then((r) => {
        order.push('run-b');
        return r;
      });
    release(true);
    const releaseOther = await other;
    expect(order).toEqual(['run-b']);
    // The sibling's own cancellation arrives (as its next heartbeat would bring it): it never started.
    releaseOther();
    sibling.abort();
    await siblingTurn;
    expect(order).toEqual(['run-b', 'run-a sibling cancelled']);
    expect(slots.inUse).toBe(0);
  });
});
