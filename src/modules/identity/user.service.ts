import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { isUniqueViolation, type Db, type Dialect } from '../../db/database.js';
import { inTransaction, type UnitOfWork } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { isImpersonatingName, validateDisplayName } from '../../shared/display-name.js';
import { AppError, type FieldProblem } from '../../shared/errors.js';
import type { StaffRole } from '../../shared/identity.schemas.js';
import { changesBetween, type AuditActor, type AuditService } from '../audit/audit.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { PasswordHasher } from './password-hasher.js';
import { passwordProblem } from './password-policy.js';
import type { StaffPrincipal } from './principal.js';
import {
  findTakenKeys,
  findUserById,
  insertUser,
  listUsers,
  lockActiveAdminIds,
  staffDisplayNames,
  updateUser,
  deleteUserRow,
  countActiveAdmins,
  type UserListFilter,
  type UserRow,
} from './user.repository.js';
import type { SessionService } from './session.service.js';

export interface NewStaff {
  role: StaffRole;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  jobTitle: string;
  departments: string[];
  password: string;
}

export interface NewCustomer {
  username: string;
  email: string;
  displayName: string;
  password: string;
}

export interface StaffChanges {
  role?: StaffRole;
  email?: string;
  firstName?: string;
  lastName?: string;
  jobTitle?: string;
  departments?: string[];
}

/** Work other modules do inside the same transaction when an account goes away or stops working. */
export type UserHook = (uow: UnitOfWork, user: UserRow) => Promise<void>;

export interface UserServiceDeps {
  db: Db;
  dialect: Dialect;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  hasher: PasswordHasher;
  sessions: SessionService;
  audit: AuditService;
  settings: SettingsService;
}

export const usernameKey = (username: string) => username.normalize('NFKC').trim().toLowerCase();
export const emailKey = (email: string) => email.trim().toLowerCase();

/**
 * Accounts: customers registering themselves, staff created and managed by admins (or the CLI). Invariants
 * enforced here: unique e-mail and username (case-insensitive), password policy, staff e-mail domains, nobody
 * deactivates or deletes themselves, and there is always at least one active admin.
 */
export class UserService {
  /** Run inside the deactivation/deletion transaction (e.g. conversations return to the queue). */
  readonly hooks = { staffDeactivated: [] as UserHook[], userDeleting: [] as UserHook[] };

  constructor(private readonly deps: UserServiceDeps) {}

  async get(id: string): Promise<UserRow> {
    const row = await findUserById(this.deps.db, id);
    if (!row) throw new AppError('not_found');
    return row;
  }

  list(filter: UserListFilter) {
    return listUsers(this.deps.db, filter);
  }

  countActiveAdmins(): Promise<number> {
    return countActiveAdmins(this.deps.db);
  }

  /**
   * The start form's name rule for every name a person gets (registration, profile, staff creation and rename): no
   * reserved words, look-alikes or another staff member's name. Returns the cleaned name, or field problems on
   * `paths` with the start form's code and message.
   */
  private async checkName(
    name: string,
    paths: readonly string[],
    exceptStaffId?: string,
  ): Promise<{ name: string; problems: FieldProblem[] }> {
    const checked = validateDisplayName(name, await staffDisplayNames(this.deps.db, exceptStaffId));
    if (checked.ok) return { name: checked.name, problems: [] };
    return { name, problems: paths.map((path) => ({ path, message: checked.message, code: checked.code })) };
  }

  /** A staff member's display name from first and last name; a refusal names the field that causes it. */
  private async checkStaffName(firstName: string, lastName: string, exceptStaffId?: string) {
    // The problem goes next to the field holding a reserved word, or next to both (another agent's full name).
    const culprits = (
      [
        ['firstName', firstName],
        ['lastName', lastName],
      ] as const
    )
      .filter(([, part]) => isImpersonatingName(part))
      .map(([path]) => path);
    return this.checkName(
      `${firstName} ${lastName}`.trim(),
      culprits.length > 0 ? culprits : ['firstName', 'lastName'],
      exceptStaffId,
    );
  }

  /** Validates policy and uniqueness before any slow hashing; throws validation_failed / already_exists. */
  private async assertNewAccount(
    input: { username: string; email: string; password: string },
    staff: boolean,
    nameProblems: FieldProblem[] = [],
  ) {
    const fields: FieldProblem[] = [...nameProblems];
    const problem = passwordProblem(input.password, { username: input.username, email: input.email });
    if (problem) fields.push({ path: 'password', message: problem });
    if (staff) {
      const domains = this.deps.settings.get('staff.emailDomains');
      const domain = emailKey(input.email).split('@')[1] ?? '';
      if (domains.length > 0 && !domains.includes(domain)) {
        fields.push({
          path: 'email',
          message: `staff e-mail addresses must end in ${domains.map((d) => '@' + d).join(' or ')}`,
        });
      }
    }
    if (fields.length > 0) throw new AppError('validation_failed', undefined, { fields });
    await this.assertKeysFree({ usernameKey: usernameKey(input.username), emailKey: emailKey(input.email) });
  }

  private async assertKeysFree(keys: { usernameKey?: string; emailKey?: string }, exceptId?: string) {
    const taken = await findTakenKeys(this.deps.db, keys, exceptId);
    const fields: FieldProblem[] = [];
    if (taken.username) fields.push({ path: 'username', message: 'is already taken' });
    if (taken.email) fields.push({ path: 'email', message: 'is already registered' });
    if (fields.length > 0) throw new AppError('already_exists', undefined, { fields });
  }

  private async insertAccount(uow: UnitOfWork, row: UserRow): Promise<void> {
    try {
      await insertUser(uow.trx, row);
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError('already_exists', undefined, {
          fields: [{ path: 'username', message: 'is already taken, or the e-mail address is already registered' }],
        });
      }
      throw err;
    }
    uow.emit(domainEvent('user.changed', { userId: row.id, change: 'created' }));
  }

  /** A customer's own registration; the caller issues the session inside `then`. */
  async registerCustomer<T>(input: NewCustomer, then: (uow: UnitOfWork, user: UserRow) => Promise<T>): Promise<T> {
    const { name: displayName, problems } = await this.checkName(input.displayName, ['displayName']);
    await this.assertNewAccount(input, false, problems);
    const passwordHash = await this.deps.hasher.hash(input.password);
    const now = this.deps.clock.now();
    const row: UserRow = {
      id: newId(),
      role: 'customer',
      username: input.username,
      usernameKey: usernameKey(input.username),
      email: input.email,
      emailKey: emailKey(input.email),
      passwordHash,
      firstName: '',
      lastName: '',
      displayName,
      jobTitle: '',
      departments: '[]',
      isActive: 1,
      emailVerifiedAt: null,
      lastLoginAt: now,
      passwordChangedAt: now,
      createdAt: now,
      updatedAt: now,
    };
    return inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await this.insertAccount(uow, row);
      return then(uow, row);
    });
  }

  /** A staff account (admin screen or CLI). */
  async createStaff(actor: AuditActor, input: NewStaff): Promise<UserRow> {
    const { name: displayName, problems } = await this.checkStaffName(input.firstName, input.lastName);
    await this.assertNewAccount(input, true, problems);
    const passwordHash = await this.deps.hasher.hash(input.password);
    const now = this.deps.clock.now();
    const row: UserRow = {
      id: newId(),
      role: input.role,
      username: input.username,
      usernameKey: usernameKey(input.username),
      email: input.email,
      emailKey: emailKey(input.email),
      passwordHash,
      firstName: input.firstName,
      lastName: input.lastName,
      displayName,
      jobTitle: input.jobTitle,
      departments: JSON.stringify(input.departments),
      isActive: 1,
      emailVerifiedAt: null,
      lastLoginAt: null,
      passwordChangedAt: now,
      createdAt: now,
      updatedAt: now,
    };
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await this.insertAccount(uow, row);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'user.created',
        target: { type: 'user', id: row.id, name: row.username },
        details: { role: row.role, displayName: row.displayName, email: row.email },
      });
    });
    return row;
  }

  /** A customer account made by an admin tool (CLI); marked verified. */
  async createCustomer(actor: AuditActor, input: NewCustomer): Promise<UserRow> {
    const row = await this.registerCustomer(input, async (uow, user) => {
      await updateUser(uow.trx, user.id, { emailVerifiedAt: this.deps.clock.now(), lastLoginAt: null });
      await this.deps.audit.record(uow.trx, actor, {
        action: 'user.created',
        target: { type: 'user', id: user.id, name: user.username },
        details: { role: 'customer' },
      });
      return user;
    });
    return row;
  }

  async updateStaff(actor: StaffPrincipal & AuditActor, id: string, changes: StaffChanges): Promise<UserRow> {
    const before = await this.get(id);
    if (before.role === 'customer') throw new AppError('not_found');
    const firstName = changes.firstName ?? before.firstName;
    const lastName = changes.lastName ?? before.lastName;
    let displayName = before.displayName;
    // An unchanged name is never refused (it may even predate the rule); a new one must not be another's.
    if (`${firstName} ${lastName}`.trim() !== `${before.firstName} ${before.lastName}`.trim()) {
      const checked = await this.checkStaffName(firstName, lastName, id);
      if (checked.problems.length > 0) throw new AppError('validation_failed', undefined, { fields: checked.problems });
      displayName = checked.name;
    }
    if (changes.email !== undefined) {
      const domains = this.deps.settings.get('staff.emailDomains');
      const domain = emailKey(changes.email).split('@')[1] ?? '';
      if (domains.length > 0 && !domains.includes(domain)) {
        throw new AppError('validation_failed', undefined, {
          fields: [
            {
              path: 'email',
              message: `staff e-mail addresses must end in ${domains.map((d) => '@' + d).join(' or ')}`,
            },
          ],
        });
      }
      await this.assertKeysFree({ emailKey: emailKey(changes.email) }, id);
    }
    if (changes.role === 'agent' && before.role === 'admin' && actor.userId === id) {
      throw new AppError('self_action_refused', 'You cannot remove your own admin role.');
    }
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (changes.role === 'agent' && before.role === 'admin') await this.assertAnotherAdminRemains(uow, id);
      await updateUser(uow.trx, id, {
        ...(changes.role ? { role: changes.role } : {}),
        ...(changes.email ? { email: changes.email, emailKey: emailKey(changes.email) } : {}),
        firstName,
        lastName,
        displayName,
        ...(changes.jobTitle !== undefined ? { jobTitle: changes.jobTitle } : {}),
        ...(changes.departments ? { departments: JSON.stringify(changes.departments) } : {}),
        updatedAt: this.deps.clock.now(),
      });
      if (changes.role && changes.role !== before.role) {
        // A role change takes effect on the next sign-in; end current sessions so nothing runs on the old role.
        await this.deps.sessions.revokeAllForUser(uow, id, 'deactivated');
      }
      const was = {
        role: before.role,
        email: before.email,
        displayName: before.displayName,
        jobTitle: before.jobTitle,
        departments: JSON.parse(before.departments) as string[],
      };
      await this.deps.audit.record(uow.trx, actor, {
        action: 'user.updated',
        target: { type: 'user', id, name: before.username },
        details: {
          changes: changesBetween(was, {
            ...was,
            ...(changes.role ? { role: changes.role } : {}),
            ...(changes.email ? { email: changes.email } : {}),
            displayName: `${firstName} ${lastName}`.trim(),
            ...(changes.jobTitle !== undefined ? { jobTitle: changes.jobTitle } : {}),
            ...(changes.departments ? { departments: changes.departments } : {}),
          }),
        },
      });
      uow.emit(domainEvent('user.changed', { userId: id, change: 'updated' }));
    });
    return this.get(id);
  }

  /** Refuses when `removingId` is the last active admin. Locks the admin rows first (see repository). */
  private async assertAnotherAdminRemains(uow: UnitOfWork, removingId: string): Promise<void> {
    const admins = await lockActiveAdminIds(uow.trx, this.deps.dialect);
    if (admins.includes(removingId) && admins.length <= 1) throw new AppError('last_admin');
  }

  async deactivate(actor: StaffPrincipal & AuditActor, id: string): Promise<void> {
    if (actor.userId === id) throw new AppError('self_action_refused');
    const user = await this.get(id);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (user.role === 'admin') await this.assertAnotherAdminRemains(uow, id);
      await updateUser(uow.trx, id, { isActive: 0, updatedAt: this.deps.clock.now() });
      await this.deps.sessions.revokeAllForUser(uow, id, 'deactivated');
      if (user.role !== 'customer') for (const hook of this.hooks.staffDeactivated) await hook(uow, user);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'user.deactivated',
        target: { type: 'user', id, name: user.username },
      });
      uow.emit(domainEvent('user.changed', { userId: id, change: 'deactivated' }));
    });
  }

  async reactivate(actor: StaffPrincipal & AuditActor, id: string): Promise<void> {
    const user = await this.get(id);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await updateUser(uow.trx, id, { isActive: 1, updatedAt: this.deps.clock.now() });
      await this.deps.audit.record(uow.trx, actor, {
        action: 'user.reactivated',
        target: { type: 'user', id, name: user.username },
      });
      uow.emit(domainEvent('user.changed', { userId: id, change: 'reactivated' }));
    });
  }

  /** An admin sets a new password for someone; every session of that person ends. */
  async resetPassword(actor: StaffPrincipal & AuditActor, id: string, newPassword: string): Promise<void> {
    const user = await this.get(id);
    const problem = passwordProblem(newPassword, { username: user.username, email: user.email });
    if (problem)
      throw new AppError('validation_failed', undefined, { fields: [{ path: 'newPassword', message: problem }] });
    const passwordHash = await this.deps.hasher.hash(newPassword);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      const now = this.deps.clock.now();
      await updateUser(uow.trx, id, { passwordHash, passwordChangedAt: now, updatedAt: now });
      await this.deps.sessions.revokeAllForUser(uow, id, 'password_reset');
      await this.deps.audit.record(uow.trx, actor, {
        action: 'user.password_reset',
        target: { type: 'user', id, name: user.username },
      });
    });
  }

  /**
   * Deletes an account. Customers' conversations are erased and staff members' conversations handed back
   * (by the hooks other modules register); their sessions and sockets end at once.
   */
  async delete(actor: Pick<StaffPrincipal, 'userId'> & AuditActor, id: string): Promise<void> {
    if (actor.userId === id) throw new AppError('self_action_refused');
    const user = await this.get(id);
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      if (user.role === 'admin') await this.assertAnotherAdminRemains(uow, id);
      await this.deps.sessions.revokeAllForUser(uow, id, 'deleted');
      for (const hook of this.hooks.userDeleting) await hook(uow, user);
      await deleteUserRow(uow.trx, id);
      await this.deps.audit.record(uow.trx, actor, {
        action: 'user.deleted',
        target: { type: 'user', id, name: user.username },
        details: { role: user.role, displayName: user.displayName },
      });
      uow.emit(domainEvent('user.changed', { userId: id, change: 'deleted' }));
    });
  }

  /**
   * Removes an account inside the caller's transaction, running the deletion hooks, without an audit entry of its
   * own (the erasure of a contact writes one that keeps no personal data). Sessions and tokens cascade.
   */
  async deleteWithinErasure(uow: UnitOfWork, user: UserRow): Promise<void> {
    await this.deps.sessions.revokeAllForUser(uow, user.id, 'erased');
    for (const hook of this.hooks.userDeleting) await hook(uow, user);
    await deleteUserRow(uow.trx, user.id);
    uow.emit(domainEvent('user.changed', { userId: user.id, change: 'deleted' }));
  }

  /** Stops a customer from signing in (the first step of an erasure); ends every session at once. */
  async lockForErasure(uow: UnitOfWork, user: UserRow): Promise<void> {
    await updateUser(uow.trx, user.id, { isActive: 0, updatedAt: this.deps.clock.now() });
    await this.deps.sessions.revokeAllForUser(uow, user.id, 'erased');
  }

  async updateCustomerProfile(userId: string, newName: string): Promise<UserRow> {
    const { name: displayName, problems } = await this.checkName(newName, ['displayName']);
    if (problems.length > 0) throw new AppError('validation_failed', undefined, { fields: problems });
    await inTransaction(this.deps.db, this.deps.bus, async (uow) => {
      await updateUser(uow.trx, userId, { displayName, updatedAt: this.deps.clock.now() });
      uow.emit(domainEvent('user.changed', { userId, change: 'updated' }));
    });
    return this.get(userId);
  }
}
