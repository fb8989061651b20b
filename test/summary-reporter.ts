import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line `N passed, N failed, N skipped` that CI reads,
 * after Vitest's own summary, preceded by why tests were skipped where they said why.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0 };
    const skipNotes = new Map<string, number>();
    for (const module of modules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === 'passed') counts.passed++;
        else if (result.state === 'failed') counts.failed++;
        else {
          counts.skipped++;
          if (result.state === 'skipped' && result.note) skipNotes.set(result.note, (skipNotes.get(result.note) ?? 0) + 1);
        }
      }
      if (module.state() === 'failed' && module.children.size === 0) counts.failed++;
    }
    for (const [note, count] of skipNotes) process.stdout.write(`\n${count} skipped: ${note}`);
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
