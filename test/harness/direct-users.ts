/**
 * Accounts written straight into a database another process serves (cross-instance tests), with the same
 * service code the product uses.
 */
import { randomBytes } from 'node:crypto';
import { systemClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/core/logger.js';
import { createDb } from '../../src/db/database.js';
import { InProcessBus } from '../../src/events/event-bus.js';
import { AuditService } from '../../src/modules/audit/audit.service.js';
import { PasswordHasher } from '../../src/modules/identity/password-hasher.js';
import { SessionService } from '../../src/modules/identity/session.service.js';
import { UserService } from '../../src/modules/identity/user.service.js';
import { SettingsService } from '../../src/modules/settings/settings.service.js';
import { PASSWORD, uniqueSurname } from './factories.js';

export async function createUserFromDb(
  databaseUrl: string,
  role: 'agent' | 'admin',
): Promise<{ id: string; username: string }> {
  const logger = createLogger('silent');
  const handle = createDb({ kind: 'postgres', url: databaseUrl, poolSize: 2 }, logger);
  const bus = new InProcessBus(logger);
  try {
    const db = handle.db;
    const audit = new AuditService({ db, clock: systemClock });
    const settings = new SettingsService({ db, bus, clock: systemClock, logger, audit });
    await settings.reload();
    const users = new UserService({
      db,
      dialect: 'postgres',
      bus,
      clock: systemClock,
      logger,
      hasher: new PasswordHasher({ memoryKib: 1024, timeCost: 1 }),
      sessions: new SessionService({ db, bus, clock: systemClock }),
      audit,
      settings,
    });
    const username = `${role}-${randomBytes(4).toString('hex')}`;
    const user = await users.createStaff(
      { id: null, name: 'test', ip: null },
      {
        role,
        username,
        email: `${username}@staff.example`,
        firstName: 'Cross',
        lastName: `Instance ${uniqueSurname()}`,
        jobTitle: '',
        departments: [],
        password: PASSWORD,
      },
    );
    return { id: user.id, username };
  } finally {
    await handle.close();
  }
}
