import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/postgres/postgres-store.js';
import type { Store } from '../../src/core/ports.js';
import { needsServices } from '../needs-services.js';
import { freshPostgres } from '../services.js';

// What every backend must do is in store-conformance.test.ts; this is what only PostgreSQL has.

needsServices('postgres');

let database: Awaited<ReturnType<typeof freshPostgres>>;
let opened: Store[] = [];
beforeEach(async () => {
  database = await freshPostgres();
});
afterEach(async () => {
  await Promise.all(opened.map((store) => store.close()));
  opened = [];
  await database.drop();
});

it('migrates a fresh database once when four instances start on it together', async () => {
  opened = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(database.url)));
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query('select name from kysely_migration order by name');
    expect(rows.map((row) => row.name)).toEqual([
      '0001_accounts_sites_keys',
      '0002_request_logs_and_usage',
      '0003_events',
      '0004_sessions_audit',
      '0005_key_change_version',
      '0006_event_values_in_byte_order',
      '0007_durations_in_double_precision',
      '0015_request_log_request_counts',
      '0016_indexes_for_dashboard_reads_and_site_deletion',
      '0017_storage_probe',
      '0020_key_leaks',
      '0030_webhooks',
      '0040_oauth_access_tokens',
      '0050_request_logs_by_id',
      '0051_sessions_by_user',
    ]);
  } finally {
    await client.end();
  }
  for (const store of opened) await store.ping();
});

it('reads int8 and numeric as numbers on its own pool only', async () => {
  opened = [await openPostgresStore(database.url)];
  expect(await opened[0]!.requestLogs.count({})).toBe(0);
  expect(pg.types.getTypeParser(pg.types.builtins.INT8)('42')).toBe('42');
});
