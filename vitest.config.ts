import { defineConfig } from 'vitest/config';

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
      {
        extends: true,
        test: { name: 'postgres+redis', include: ['test/http/**/*.test.ts', 'test/scale/**/*.test.ts'], env: { KEYGATE_TEST_BACKEND: 'postgres' } },
      },
    ],
  },
});
