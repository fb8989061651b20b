import { CompiledQuery } from 'kysely';
import type { Dialect } from './migrations.js';
import { named } from './named-statements.js';
import type { QueryRunner } from './prepared.js';

/** The PostgreSQL type of a column, which its array parameter is cast to. */
export type ColumnType = 'text' | 'bigint' | 'integer' | 'double precision';

/** SQLite's statement sizes, in rows: a batch runs as few of these as add up to it. */
const SQLITE_CHUNKS = [256, 64, 16, 4, 1];

/**
 * An INSERT of any number of rows in as few statements as the database allows, each with a
 * text prepared once: on PostgreSQL one named statement per batch (one round trip), a parameter per
 * column holding that column's values, spread by `unnest`; on SQLite multi-row VALUES lists
 * of a few fixed sizes (measured faster than one JSON parameter spread by `json_each`).
 */
export class BulkInsert<Row> {
  private readonly names: ReadonlyArray<keyof Row & string>;
  /** The PostgreSQL statement: `$1`…`$n` are the columns' arrays (`postgresParameters`); it may be one part of a larger one. */
  readonly postgresText: string;
  private readonly sqliteTexts: Map<number, string>;

  constructor(
    private readonly dialect: Dialect,
    table: string,
    columns: ReadonlyArray<readonly [keyof Row & string, ColumnType]>,
  ) {
    this.names = columns.map(([name]) => name);
    const head = `insert into ${table} (${this.names.join(', ')})`;
    this.postgresText = named(`${head} select * from unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`);
    const tuple = `(${this.names.map(() => '?').join(', ')})`;
    this.sqliteTexts = new Map(SQLITE_CHUNKS.map((rows) => [rows, `${head} values ${Array(rows).fill(tuple).join(', ')}`]));
  }

  async run(db: QueryRunner, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.dialect === 'postgres') {
      await db.executeQuery(CompiledQuery.raw(this.postgresText, this.postgresParameters(rows)));
      return;
    }
    let at = 0;
    for (const size of SQLITE_CHUNKS) {
      for (; rows.length - at >= size; at += size) {
        await db.executeQuery(CompiledQuery.raw(this.sqliteTexts.get(size)!, this.flatten(rows, at, size)));
      }
    }
  }

  postgresParameters(rows: readonly Row[]): unknown[][] {
    return this.names.map((name) => rows.map((row) => row[name]));
  }

  /** Rows `at` to `at + size`, column by column, in one array: a loop, which costs a fraction of `flatMap` per row. */
  private flatten(rows: readonly Row[], at: number, size: number): unknown[] {
    const { names } = this;
    const parameters = new Array<unknown>(size * names.length);
    let next = 0;
    for (let index = at; index < at + size; index++) {
      const row = rows[index]!;
      for (const name of names) parameters[next++] = row[name];
    }
    return parameters;
  }
}
