import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Db } from '../../db/database.js';
import { inTransaction } from '../../db/transaction.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';
import { ConfigError } from '../../config/config.js';
import { changesBetween, type AuditActor, type AuditService } from '../audit/audit.service.js';
import { AppError } from '../../shared/errors.js';
import { zodFieldProblems } from '../../shared/validation.js';
import {
  SETTING_DEFINITIONS,
  SETTING_LIST,
  isSettingKey,
  type SettingKey,
  type SettingValue,
  type SettingValues,
} from './settings.definitions.js';
import { findAllSettings, findSetting, insertSettingIfAbsent, upsertSetting } from './settings.repository.js';

export interface SettingsDeps {
  db: Db;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
}

/**
 * Database-backed runtime settings with an in-memory copy on every instance, refreshed across instances
 * by `settings.changed` events. Reads are synchronous (hot paths read limits per message).
 */
export class SettingsService {
  private values: SettingValues = defaults();

  constructor(private readonly deps: SettingsDeps) {
    deps.bus.on('settings.changed', ({ key }) => this.refresh(key));
  }

  /**
   * Seeds each setting from its environment variable the first time it is seen, then loads all values.
   * A seed never overwrites a stored value: once an admin changed a setting, the admin's value wins.
   */
  async initialise(seeds: Record<string, string>): Promise<void> {
    const problems: string[] = [];
    for (const [key, def] of SETTING_LIST) {
      const raw = def.envKey ? seeds[def.envKey] : undefined;
      if (raw === undefined) continue;
      // A seed is a plain string ("Help Desk") or JSON for structured settings (["example.com"], 5).
      let parsed = def.schema.safeParse(raw);
      if (!parsed.success) parsed = def.schema.safeParse(parseJsonOr(raw));
      if (!parsed.success) {
        problems.push(`${def.envKey}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
        continue;
      }
      const inserted = await insertSettingIfAbsent(this.deps.db, {
        key,
        value: JSON.stringify(parsed.data),
        source: 'environment',
        updatedAt: this.deps.clock.now(),
        updatedBy: null,
      });
      if (!inserted) {
        const stored = await findSetting(this.deps.db, key);
        if (stored && stored.value !== JSON.stringify(parsed.data)) {
          this.deps.logger.warn(
            { setting: key, envKey: def.envKey },
            'environment value differs from the stored setting; the stored value wins (change it in the admin settings)',
          );
        }
      }
    }
    if (problems.length > 0) throw new ConfigError(problems);
    await this.reload();
  }

  async reload(): Promise<void> {
    const next = defaults();
    for (const row of await findAllSettings(this.deps.db)) {
      if (!isSettingKey(row.key)) continue;
      const parsed = SETTING_DEFINITIONS[row.key].schema.safeParse(JSON.parse(row.value));
      if (parsed.success) (next as Record<string, unknown>)[row.key] = parsed.data;
      else this.deps.logger.error({ setting: row.key }, 'stored setting is invalid; using the default');
    }
    this.values = next;
  }

  private refresh(key: string): Promise<void> {
    if (!isSettingKey(key)) return Promise.resolve();
    return this.reload();
  }

  get<K extends SettingKey>(key: K): SettingValue<K> {
    return this.values[key];
  }

  all(): SettingValues {
    return { ...this.values };
  }

  /** The settings any visitor may see (branding), read fresh from the database. */
  async readPublic(): Promise<Partial<SettingValues>> {
    await this.reload();
    const out: Record<string, unknown> = {};
    for (const [key, def] of SETTING_LIST) {
      if (def.public) out[key] = this.values[key as SettingKey];
    }
    return out as Partial<SettingValues>;
  }

  /** Validates and stores an admin's change; every instance picks it up through the bus. */
  async set<K extends SettingKey>(key: K, value: unknown, actor: AuditActor | null): Promise<SettingValue<K>> {
    await this.setMany({ [key]: value }, actor);
    return this.values[key];
  }

  /** Validates every value first, then stores them all in one transaction (all or nothing), audited. */
  async setMany(changes: Record<string, unknown>, actor: AuditActor | null): Promise<void> {
    const parsed: [SettingKey, unknown][] = [];
    const fields: { path: string; message: string }[] = [];
    for (const [key, value] of Object.entries(changes)) {
      if (!isSettingKey(key)) {
        fields.push({ path: key, message: 'is not a setting' });
        continue;
      }
      const result = SETTING_DEFINITIONS[key].schema.safeParse(value);
      if (result.success) parsed.push([key, result.data]);
      else fields.push(...zodFieldProblems(result.error, key));
    }
    if (fields.length > 0) throw new AppError('validation_failed', undefined, { fields });
    await inTransaction(this.deps.db, this.deps.bus, async ({ trx, emit }) => {
      for (const [key, value] of parsed) {
        await upsertSetting(trx, {
          key,
          value: JSON.stringify(value),
          source: 'admin',
          updatedAt: this.deps.clock.now(),
          updatedBy: actor?.id ?? null,
        });
        emit(domainEvent('settings.changed', { key }));
      }
      if (actor) {
        const current = this.values as Record<string, unknown>;
        await this.deps.audit.record(trx, actor, {
          action: 'settings.changed',
          details: {
            keys: parsed.map(([k]) => k),
            changes: changesBetween(
              Object.fromEntries(parsed.map(([k]) => [k, current[k]])),
              Object.fromEntries(parsed),
            ),
          },
        });
      }
    });
    for (const [key, value] of parsed) (this.values as Record<string, unknown>)[key] = value;
  }
}

function defaults(): SettingValues {
  const out: Record<string, unknown> = {};
  for (const [key, def] of SETTING_LIST) out[key] = structuredClone(def.default);
  return out as SettingValues;
}

function parseJsonOr(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
