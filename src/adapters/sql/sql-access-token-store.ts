import type { Kysely, Selectable } from 'kysely';
import type { AccessToken, Millis } from '../../core/model.js';
import type { AccessTokenStore } from '../../core/ports.js';
import { deleteInSlices, PRUNE_SLICE } from './delete-in-slices.js';
import { arg, PreparedQuery } from './prepared.js';
import type { Database } from './schema.js';

function tokenFromRow(row: Selectable<Database['access_tokens']>): AccessToken {
  return {
    hash: row.hash,
    keyId: row.key_id,
    accountId: row.account_id,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

export class SqlAccessTokenStore implements AccessTokenStore {
  /** Every request with a token runs this once per key change (the authenticator caches its answer). */
  private readonly liveByHash;

  constructor(private readonly db: Kysely<Database>) {
    this.liveByHash = new PreparedQuery(
      db
        .selectFrom('access_tokens')
        .innerJoin('api_keys', 'api_keys.id', 'access_tokens.key_id')
        .selectAll('access_tokens')
        .select('api_keys.hash as key_hash')
        .where('access_tokens.hash', '=', arg(0))
        .where('access_tokens.revoked_at', 'is', null),
    );
  }

  async insert(token: AccessToken): Promise<void> {
    await this.db
      .insertInto('access_tokens')
      .values({
        hash: token.hash,
        key_id: token.keyId,
        account_id: token.accountId,
        created_at: token.createdAt,
        expires_at: token.expiresAt,
        revoked_at: token.revokedAt,
      })
      .execute();
  }

  async findLive(hash: string): Promise<{ token: AccessToken; keyHash: string } | undefined> {
    const [row] = await this.liveByHash.rows(this.db, hash);
    return row && { token: tokenFromRow(row), keyHash: row.key_hash };
  }

  async revoke(hash: string, keyId: string, now: Millis): Promise<boolean> {
    const { numUpdatedRows } = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: now })
      .where('hash', '=', hash)
      .where('key_id', '=', keyId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return numUpdatedRows > 0n;
  }

  async revokeAllOfKey(keyId: string, now: Millis): Promise<number> {
    const { numUpdatedRows } = await this.db
      .updateTable('access_tokens')
      .set({ revoked_at: now })
      .where('key_id', '=', keyId)
      .where('expires_at', '>', now)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(numUpdatedRows);
  }

  async countLive(keyId: string, now: Millis): Promise<number> {
    const { count } = await this.db
      .selectFrom('access_tokens')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('key_id', '=', keyId)
      .where('expires_at', '>', now)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  prune(before: Millis): Promise<number> {
    return deleteInSlices(async () => {
      const result = await this.db
        .deleteFrom('access_tokens')
        .where('hash', 'in', (eb) => eb.selectFrom('access_tokens').select('hash').where('expires_at', '<', before).limit(PRUNE_SLICE))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }
}
