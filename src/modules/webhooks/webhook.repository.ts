import type { Db } from '../../db/database.js';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type WebhookEndpointRow = WebhookEndpointsTable;
export type WebhookDeliveryRow = WebhookDeliveriesTable;

// Endpoints

export function insertEndpoint(db: Q, row: WebhookEndpointRow): Promise<unknown> {
  return db.insertInto('webhookEndpoints').values(row).execute();
}

export function findEndpoint(db: Q, id: string): Promise<WebhookEndpointRow | undefined> {
  return db.selectFrom('webhookEndpoints').selectAll().where('id', '=', id).executeTakeFirst();
}

export function updateEndpoint(db: Q, id: string, changes: Partial<WebhookEndpointRow>): Promise<unknown> {
  return db.updateTable('webhookEndpoints').set(changes).where('id', '=', id).execute();
}

export async function deleteEndpoint(db: Q, id: string): Promise<boolean> {
  const r = await db.deleteFrom('webhookEndpoints').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function listEndpoints(
  db: Q,
  limit: number,
  offset: number,
): Promise<{ rows: WebhookEndpointRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    db
      .selectFrom('webhookEndpoints')
      .selectAll()
      .orderBy('createdAt')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute(),
    db
      .selectFrom('webhookEndpoints')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** Active endpoints with what they subscribe to (the subscription cache and the fan-out). */
export function activeEndpoints(db: Q): Promise<Pick<WebhookEndpointRow, 'id' | 'events' | 'includeNotes'>[]> {
  return db.selectFrom('webhookEndpoints').select(['id', 'events', 'includeNotes']).where('isActive', '=', 1).execute();
}

/** Per endpoint, deliveries since `since` by status. */
export async function recentDeliveryCounts(
  db: Q,
  endpointIds: string[],
  since: number,
): Promise<{ endpointId: string; status: string; n: number }[]> {
  if (endpointIds.length === 0) return [];
  const rows = await db
    .selectFrom('webhookDeliveries')
    .select(['endpointId', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('endpointId', 'in', endpointIds)
    .where('createdAt', '>=', since)
    .groupBy(['endpointId', 'status'])
    .execute();
  return rows.map((r) => ({ ...r, n: Number(r.n) }));
}

// Deliveries

/** Inserts the fan-out's deliveries; one already there for the same endpoint and event is skipped. */
export async function insertDeliveries(db: Q, rows: WebhookDeliveryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('webhookDeliveries')
    .values(rows)
    .onConflict((oc) => oc.column('dedupeKey').doNothing())
    .execute();
}

export function findDelivery(db: Q, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db.selectFrom('webhookDeliveries').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Pending deliveries whose time has come and that nobody holds, oldest first. */
export function dueDeliveries(db: Q, now: number, limit: number): Promise<WebhookDeliveryRow[]> {
  return db
    .selectFrom('webhookDeliveries')
    .selectAll()
    .where('status', '=', 'pending')
    .where('nextAttemptAt', '<=', now)
    .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<', now)]))
    .orderBy('nextAttemptAt')
    .orderBy('createdAt')
    .limit(limit)
    .execute();
}

/**
 * Takes a due delivery for one attempt, atomically: of two instances racing for it, one updates the row and the
 * other updates nothing. The claim expires by itself (`until`) if its holder dies.
 */
export async function claimDelivery(db: Q, id: string, claim: string, now: number, until: number): Promise<boolean> {
  const r = await db
    .updateTable('webhookDeliveries')
    .set({ claim, claimedUntil: until })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('nextAttemptAt', '<=', now)
    .where((eb) => eb.or([eb('claimedUntil', 'is', null), eb('claimedUntil', '<', now)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Records an attempt's outcome, only while the claim is still ours (a late writer changes nothing). */
export async function recordAttempt(
  db: Q,
  id: string,
  claim: string,
  outcome: Pick<
    WebhookDeliveryRow,
    | 'status'
    | 'attempts'
    | 'nextAttemptAt'
    | 'lastAttemptAt'
    | 'deliveredAt'
    | 'responseStatus'
    | 'latencyMs'
    | 'responseSnippet'
    | 'error'
  >,
): Promise<boolean> {
  const r = await db
    .updateTable('webhookDeliveries')
    .set({ ...outcome, claim: null, claimedUntil: null })
    .where('id', '=', id)
    .where('claim', '=', claim)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export interface DeliveryFilter {
  endpointId?: string;
  status?: WebhookDeliveryRow['status'];
  eventType?: string;
  limit: number;
  offset: number;
}

export async function listDeliveries(
  db: Q,
  f: DeliveryFilter,
): Promise<{ rows: (WebhookDeliveryRow & { endpointUrl: string })[]; total: number }> {
  let q = db
    .selectFrom('webhookDeliveries')
    .innerJoin('webhookEndpoints', 'webhookEndpoints.id', 'webhookDeliveries.endpointId');
  if (f.endpointId) q = q.where('webhookDeliveries.endpointId', '=', f.endpointId);
  if (f.status) q = q.where('webhookDeliveries.status', '=', f.status);
  if (f.eventType) q = q.where('webhookDeliveries.eventType', '=', f.eventType);
  const [rows, count] = await Promise.all([
    q
      .selectAll('webhookDeliveries')
      .select('webhookEndpoints.url as endpointUrl')
      .orderBy('webhookDeliveries.createdAt', 'desc')
      .orderBy('webhookDeliveries.id')
      .limit(f.limit)
      .offset(f.offset)
      .execute(),
    q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** Deletes settled deliveries created before `before` (the log keeps a limited history). */
export async function pruneDeliveries(db: Q, before: number): Promise<number> {
  const r = await db
    .deleteFrom('webhookDeliveries')
    .where('createdAt', '<', before)
    .where('status', '!=', 'pending')
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** A message's row for a webhook body (any kind; the fan-out decides who may see it). */
export function findMessageRow(db: Q, id: string) {
  return db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
}
