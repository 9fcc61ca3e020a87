import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { queryRows } from '../db/rows';

export type AuditOutcome = 'success' | 'denied' | 'failed';

export interface AuditEntry {
  actorId: string | null;
  actorEmail: string | null;
  /** e.g. `node.create`, `node.update`, `probe_key.revoke`, `user.role`, `api_token.create`. */
  action: string;
  targetType: 'node' | 'probe_key' | 'user' | 'api_token' | 'session';
  targetId: string | null;
  outcome?: AuditOutcome;
  before?: unknown;
  after?: unknown;
  requestId: string | null;
}

export interface StoredAuditEntry extends Required<Omit<AuditEntry, 'before' | 'after'>> {
  auditId: number;
  at: Date;
  before: unknown;
  after: unknown;
}

export async function insertAuditEntry(db: Db, e: AuditEntry): Promise<void> {
  await db.execute(sql`
    INSERT INTO audit_log (actor_id, actor_email, action, target_type, target_id, outcome, before, after, request_id)
    VALUES (${e.actorId}, ${e.actorEmail}, ${e.action}, ${e.targetType}, ${e.targetId}, ${e.outcome ?? 'success'},
            ${e.before === undefined ? null : JSON.stringify(e.before)}::jsonb, ${e.after === undefined ? null : JSON.stringify(e.after)}::jsonb, ${e.requestId})`);
}

export interface AuditFilter {
  targetType?: string;
  targetId?: string;
  /** Entries older than this id (keyset pagination, newest first). */
  beforeId?: number;
  limit: number;
}

export async function listAuditEntries(db: Db, f: AuditFilter): Promise<StoredAuditEntry[]> {
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`SELECT * FROM audit_log
        WHERE (${f.targetType ?? null}::text IS NULL OR target_type = ${f.targetType ?? null})
          AND (${f.targetId ?? null}::text IS NULL OR target_id = ${f.targetId ?? null})
          AND (${f.beforeId ?? null}::bigint IS NULL OR audit_id < ${f.beforeId ?? null})
        ORDER BY audit_id DESC LIMIT ${f.limit}`,
  );
  return rows.map((r) => ({
    auditId: Number(r.audit_id),
    at: new Date(r.at as string),
    actorId: (r.actor_id as string | null) ?? null,
    actorEmail: (r.actor_email as string | null) ?? null,
    action: String(r.action),
    targetType: r.target_type as AuditEntry['targetType'],
    targetId: (r.target_id as string | null) ?? null,
    outcome: r.outcome as AuditOutcome,
    before: r.before ?? null,
    after: r.after ?? null,
    requestId: (r.request_id as string | null) ?? null,
  }));
}
