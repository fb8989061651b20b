import { describe, expect, it } from 'vitest';
import { QueueFullError, TaskQueue } from './task-queue.js';

/** A task that runs until released, recording when it started. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  const task = async () => {
    log.push(name);
    await done;
    return name;
  };
  return { release, task };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('TaskQueue', () => {
  it('runs at most `concurrency` tasks at once, the others when a slot frees', async () => {
    const queue = new TaskQueue({ concurrency: 2, maxWaiting: 10 });
    const log: string[] = [];
    const gates = ['a', 'b', 'c', 'd'].map((name) => gate(log, name));
    const runs = gates.map((g) => queue.run(g.task, 'low'));
    await tick();
    expect(log).toEqual(['a', 'b']);
    expect(queue.running).toBe(2);
    expect(queue.waiting('low')).toBe(2);
    gates[1]!.release();
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
    expect(queue.running).toBe(2);
    for (const g of gates) g.release();
    expect(await Promise.all(runs)).toEqual(['a', 'b', 'c', 'd']);
    expect(queue.running).toBe(0);
  });

  it('starts every waiting high-priority task before any low one, however late it came', async () => {
    const queue = new TaskQueue({ concurrency: 1, maxWaiting: 10 });
    const log: string[] = [];
    const first = gate(log, 'first');
    const lows = ['low1', 'low2', 'low3'].map((name) => gate(log, name));
    const high = gate(log, 'high');
    const runs = [queue.run(first.task, 'low'), ...lows.map((g) => queue.run(g.task, 'low')), queue.run(high.task, 'high')];
    await tick();
    for (const g of [first, high, ...lows]) g.release();
    await Promise.all(runs);
    expect(log).toEqual(['first', 'high', 'low1', 'low2', 'low3']);
  });

  it('refuses a task when its lane is full, without touching the other lane or the running ones', async () => {
    const queue = new TaskQueue({ concurrency: 1, maxWaiting: 2 });
    const log: string[] = [];
    const gates = ['run', 'w1', 'w2', 'h1'].map((name) => gate(log, name));
    const runs = [queue.run(gates[0]!.task, 'low'), queue.run(gates[1]!.task, 'low'), queue.run(gates[2]!.task, 'low')];
    await expect(queue.run(async () => 'refused', 'low')).rejects.toBeInstanceOf(QueueFullError);
    runs.push(queue.run(gates[3]!.task, 'high'));
    for (const g of gates) g.release();
    expect(await Promise.all(runs)).toEqual(['run', 'w1', 'w2', 'h1']);
  });

  it('frees the slot of a task that fails', async () => {
    const queue = new TaskQueue({ concurrency: 1, maxWaiting: 1 });
    await expect(queue.run(async () => Promise.reject(new Error('boom')), 'low')).rejects.toThrow('boom');
    expect(await queue.run(async () => 'next', 'low')).toBe('next');
    expect(queue.running).toBe(0);
  });
});
