import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { TRACKING_SCRIPT } from './tracking-script.js';

describe('the tracking script', () => {
  it('stays within 2 KB', () => {
    expect(TRACKING_SCRIPT.byteLength).toBeLessThanOrEqual(2048);
  });

  it('is plain script syntax, no modules or dependencies', () => {
    expect(() => new Script(TRACKING_SCRIPT.toString('utf8'))).not.toThrow();
    expect(TRACKING_SCRIPT.toString('utf8')).not.toMatch(/\bimport\b|\brequire\(/);
  });
});
