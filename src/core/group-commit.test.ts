import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.js';

describe('GroupCommit', () => {
  it('writes items added in the same turn as one batch, and resolves each after its write', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number>(async (batch) => {
      batches.push(batch);
    });
    await Promise.all([1, 2, 3].map((item) => commit.add(item)));
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('queues items that arrive during a write for the next batch', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const firstWrite = new Promise<void>((resolve) => (release = resolve));
    const commit = new GroupCommit<number>(async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await firstWrite;
    });
    const first = commit.add(1);
    await new Promise((resume) => setImmediate(resume));
    const later = [commit.add(2), commit.add(3)];
    expect(commit.pending).toBe(3);
    release();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([[1], [2, 3]]);
    expect(commit.pending).toBe(0);
  });

  it('splits batches at the maximum size', async () => {
    const sizes: number[] = [];
    const commit = new GroupCommit<number>(async (batch) => {
      sizes.push(batch.length);
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((item) => commit.add(item)));
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('rejects every item of a failed batch, and goes on with the next', async () => {
    let fail = true;
    const commit = new GroupCommit<number>(async () => {
      if (fail) throw new Error('disk full');
    });
    const failed = Promise.allSettled([commit.add(1), commit.add(2)]);
    expect((await failed).map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(commit.add(3)).resolves.toBeUndefined();
  });

  it('flush waits for pending writes', async () => {
    const written: number[] = [];
    const commit = new GroupCommit<number>(async (batch) => {
      written.push(...batch);
    });
    void commit.add(1);
    await commit.flush();
    expect(written).toEqual([1]);
  });
});
