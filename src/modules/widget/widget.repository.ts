import type { Db } from '../../db/database.js';
import type { WidgetContactsTable, WidgetSitesTable } from '../../db/schema.js';
import type { Tx } from '../../db/transaction.js';

type Q = Db | Tx;
export type WidgetSiteRow = WidgetSitesTable;
export type WidgetContactRow = WidgetContactsTable;

export function listSites(db: Q): Promise<WidgetSiteRow[]> {
  return db.selectFrom('widgetSites').selectAll().orderBy('createdAt').orderBy('id').execute();
}

export function findSite(db: Q, id: string): Promise<WidgetSiteRow | undefined> {
  return db.selectFrom('widgetSites').selectAll().where('id', '=', id).executeTakeFirst();
}

export function insertSite(db: Q, row: WidgetSiteRow): Promise<unknown> {
  return db.insertInto('widgetSites').values(row).execute();
}

export function updateSite(
  db: Q,
  id: string,
  changes: Partial<Omit<WidgetSiteRow, 'id' | 'createdAt'>>,
): Promise<unknown> {
  return db.updateTable('widgetSites').set(changes).where('id', '=', id).execute();
}

export async function deleteSite(db: Q, id: string): Promise<boolean> {
  const r = await db.deleteFrom('widgetSites').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export function findContact(db: Q, siteId: string, externalId: string): Promise<WidgetContactRow | undefined> {
  return db
    .selectFrom('widgetContacts')
    .selectAll()
    .where('siteId', '=', siteId)
    .where('externalId', '=', externalId)
    .executeTakeFirst();
}

export function findContactByVisitor(db: Q, visitorId: string): Promise<WidgetContactRow | undefined> {
  return db.selectFrom('widgetContacts').selectAll().where('visitorId', '=', visitorId).executeTakeFirst();
}

/** Inserts the contact unless (site, user) exists already; true when this call created it. */
export async function insertContactIfAbsent(db: Q, row: WidgetContactRow): Promise<boolean> {
  const r = await db
    .insertInto('widgetContacts')
    .values(row)
    .onConflict((oc) => oc.columns(['siteId', 'externalId']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export function touchContact(
  db: Q,
  siteId: string,
  externalId: string,
  changes: { email: string | null; name: string | null; lastSeenAt: number },
): Promise<unknown> {
  return db
    .updateTable('widgetContacts')
    .set(changes)
    .where('siteId', '=', siteId)
    .where('externalId', '=', externalId)
    .execute();
}

/** The visitor identities of a site's contacts (their sessions end with the site). */
export async function contactVisitorIds(db: Q, siteId: string): Promise<string[]> {
  const rows = await db.selectFrom('widgetContacts').select('visitorId').where('siteId', '=', siteId).execute();
  return rows.map((r) => r.visitorId);
}

/** Deletes every session of these visitors and returns their ids. */
export async function deleteVisitorSessions(db: Q, visitorIds: string[]): Promise<string[]> {
  if (visitorIds.length === 0) return [];
  const rows = await db.deleteFrom('sessions').where('visitorId', 'in', visitorIds).returning('id').execute();
  return rows.map((r) => r.id);
}

export function deleteVisitor(db: Q, id: string): Promise<unknown> {
  return db.deleteFrom('visitors').where('id', '=', id).execute();
}

/** The widget contact behind a visitor identity, with its site's name (agents see who vouched for it). */
export function findVerifiedContact(
  db: Q,
  visitorId: string,
): Promise<{ site: string; userId: string; email: string | null; name: string | null } | undefined> {
  return db
    .selectFrom('widgetContacts')
    .innerJoin('widgetSites', 'widgetSites.id', 'widgetContacts.siteId')
    .select([
      'widgetSites.name as site',
      'widgetContacts.externalId as userId',
      'widgetContacts.email',
      'widgetContacts.name',
    ])
    .where('widgetContacts.visitorId', '=', visitorId)
    .executeTakeFirst();
}
