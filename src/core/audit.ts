import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { decodeCursor, pageOf } from './cursor.js';
import type { AuditAction, AuditEntry, LeakSource } from './model.js';
import type { AuditStore } from './ports.js';

/**
 * Who asks for a change: a dashboard user, an API key (REST), an operator (admin CLI), or
 * whoever reported a key leaked (SPEC §9). Only a user is named in the audit log's `user`;
 * the others are told apart by `details.via`.
 */
export type Actor = { userId: string } | { apiKeyId: string } | { reporter: LeakSource } | 'operator';

export interface AuditTarget {
  type: AuditEntry['targetType'];
  id: string;
  name: string;
}

export interface AuditLogOptions {
  store: AuditStore;
  clock: Clock;
}

function via(actor: Actor): Record<string, unknown> {
  if (actor === 'operator') return { via: 'cli' };
  if ('userId' in actor) return { via: 'dashboard' };
  return 'apiKeyId' in actor ? { via: 'api', api_key_id: actor.apiKeyId } : { via: 'leak_report' };
}

/** The account's record of who created, changed, rotated and revoked what. */
export class AuditLog {
  constructor(private readonly opts: AuditLogOptions) {}

  async record(accountId: string, actor: Actor, action: AuditAction, target: AuditTarget, details: Record<string, unknown> = {}): Promise<void> {
    await this.opts.store.append({
      id: newId('aud'),
      accountId,
      userId: actor !== 'operator' && 'userId' in actor ? actor.userId : null,
      time: this.opts.clock.now(),
      action,
      targetType: target.type,
      targetId: target.id,
      targetName: target.name,
      details: { ...via(actor), ...details },
    });
  }

  /** One page of the account's entries, newest first. */
  async page(accountId: string, cursor: string | undefined, limit: number) {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const { rows: entries, nextCursor } = pageOf(await this.opts.store.list(accountId, after, limit + 1), limit);
    return { entries, nextCursor };
  }
}
