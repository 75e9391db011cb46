import type { Db } from '../../db/database.js';
import type { VisitorsTable } from '../../db/schema.js';
import { AppError } from '../../shared/errors.js';
import { findUserById, type UserRow } from '../identity/user.repository.js';
import {
  contactConversationsByActivity,
  findVisitor,
  visitorIdsOfCustomer,
  type ContactRef,
} from './privacy.repository.js';

export type { ContactRef };

/** A contact with everything needed to find its data. */
export interface Contact extends ContactRef {
  /** The customer account (customers only). */
  user: UserRow | null;
  /** The visitor row (visitors only). */
  visitor: VisitorsTable | null;
  /** The anonymous visitors this contact is or was (a customer's, from before it signed in). */
  visitorIds: string[];
  /** Every id the contact's messages and uploads carry as author: the account and its visitors. */
  ownerIds: string[];
  /** What to call it on a screen: the username, or a visitor's latest display name. */
  name: string;
  createdAt: number;
}

/**
 * Finds a contact. A staff id is not a contact (not_found, like a missing id). A visitor that signed in as a
 * customer is part of that account: it is refused with contact_is_customer (details.customerId), so nobody erases
 * half of a customer's history by its old visitor id.
 */
export async function resolveContact(db: Db, ref: ContactRef): Promise<Contact> {
  if (typeof ref.id !== 'string' || ref.id.length === 0 || ref.id.length > 100) throw new AppError('not_found');
  if (ref.kind === 'customer') {
    const user = await findUserById(db, ref.id);
    if (!user || user.role !== 'customer') throw new AppError('not_found');
    const visitorIds = await visitorIdsOfCustomer(db, user.id);
    return {
      ...ref,
      user,
      visitor: null,
      visitorIds,
      ownerIds: [user.id, ...visitorIds],
      name: user.username,
      createdAt: user.createdAt,
    };
  }
  const visitor = await findVisitor(db, ref.id);
  if (!visitor) throw new AppError('not_found');
  if (visitor.customerId !== null) {
    throw new AppError('contact_is_customer', undefined, { customerId: visitor.customerId });
  }
  const [latest] = await contactConversationsByActivity(db, ref, 1, 0);
  return {
    ...ref,
    user: null,
    visitor,
    visitorIds: [visitor.id],
    ownerIds: [visitor.id],
    name: latest?.displayName ?? 'Visitor',
    createdAt: visitor.createdAt,
  };
}
