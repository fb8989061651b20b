import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

const STAND_IN = '\u0000keygate-arg:';

/** What running a compiled query needs: a Kysely instance or transaction over any schema. */
export type QueryRunner = Pick<Kysely<unknown>, 'executeQuery'>;

/** Stand-ins for a prepared query's arguments: `arg(0)` is replaced by the first value passed to `run`. */
// biome-ignore lint/suspicious/noExplicitAny: a stand-in must type-check wherever any column's value goes
export const arg = (index: number): any => `${STAND_IN}${index}`;

/**
 * A query built and compiled once, run many times with fresh values. Hot paths (a request's
 * reads, the request-log batch) skip Kysely's per-call build and compile, and the statement
 * cache of the driver below skips SQLite's prepare. The SQL comes from the dialect's own
 * compiler, so this stays dialect-agnostic.
 */
export class PreparedQuery<Row> {
  private readonly compiled: CompiledQuery<Row>;
  /** Per compiled parameter: the index of the argument it takes, or the constant it keeps. */
  private readonly slots: Array<{ arg: number } | { value: unknown }>;

  constructor(query: Compilable<Row>) {
    this.compiled = query.compile();
    this.slots = this.compiled.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(STAND_IN) ? { arg: Number(value.slice(STAND_IN.length)) } : { value },
    );
  }

  run(db: QueryRunner, ...args: unknown[]): Promise<QueryResult<Row>> {
    const parameters = this.slots.map((slot) => ('arg' in slot ? args[slot.arg] : slot.value));
    // Same SQL and query node as compiled; only the parameters change (no plugins rewrite by query).
    return db.executeQuery<Row>({ ...this.compiled, parameters });
  }

  async rows(db: QueryRunner, ...args: unknown[]): Promise<Row[]> {
    return (await this.run(db, ...args)).rows;
  }
}
