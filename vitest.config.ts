import { defineConfig } from 'vitest/config';
import { missingServices } from './test/services.js';

// The scaled-out project runs wherever PostgreSQL and Redis answer or can be started here; where
// they cannot, it is left out, saying why. .ci/run sets KEYGATE_TEST_REQUIRE_SERVICES=1, under
// which a missing service stops the run instead.
const scaledOutMissing = await missingServices('postgres', 'redis');
if (scaledOutMissing && !process.env.KEYGATE_TEST_SKIP_SAID) {
  process.env.KEYGATE_TEST_SKIP_SAID = '1'; // Vitest may load this file twice
  process.stderr.write(`\nSkipping the postgres+redis project (test/http scaled out, test/scale): ${scaledOutMissing}\n\n`);
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      // Everything on the embedded default (SQLite, in-process limiters).
      { extends: true, test: { name: 'embedded', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: ['test/scale/**'] } },
      // The HTTP suite again, scaled out: each test server on its own PostgreSQL database and
      // Redis prefix (test/harness.ts), plus the tests of several instances sharing them.
      ...(scaledOutMissing
        ? []
        : [
            {
              extends: true as const,
              test: { name: 'postgres+redis', include: ['test/http/**/*.test.ts', 'test/scale/**/*.test.ts'], env: { KEYGATE_TEST_BACKEND: 'postgres' } },
            },
          ]),
    ],
  },
});
