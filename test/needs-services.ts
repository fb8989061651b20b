import { beforeEach } from 'vitest';
import { missingServices, type TestService } from './services.js';

/**
 * Called at the top of a suite whose tests need `services`: where those cannot be had (see
 * missingServices), each test is skipped with the reason as its note, which the summary
 * reporter prints. Runs before the suite's own beforeEach hooks, so none of them tries.
 */
export function needsServices(...services: TestService[]): void {
  if (services.length === 0) return;
  beforeEach(async (context) => {
    const reason = await missingServices(...services);
    if (reason) context.skip(`needs ${services.join(' and ')}: ${reason}`);
  });
}
