import type { Redis } from 'ioredis';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { domainEvent } from '../../events/domain-events.js';
import type { EventBus } from '../../events/event-bus.js';

/**
 * Who is connected, across instances: staff users with at least one `/staff` socket (the "agents online" of the
 * support status), and visitors/customers with at least one `/visitor` socket (so an agent's reply is e-mailed
 * only to someone who is not there to read it).
 *
 * Each instance counts its own sockets per member in memory. With Redis, it also mirrors the set of its members
 * into two Redis sets (`<prefix>:presence:<instance>:staff` and `…:owners`) that expire unless the instance's
 * heartbeat refreshes them, plus an `…:alive` key; the instance ids are listed in `<prefix>:presence:instances`.
 * The total is the union over live instances, so an instance that dies without saying goodbye drops out within
 * the TTL. Redis writes happen only when a member's local count goes 0 ↔ 1; a failed write marks the mirror dirty
 * and the next heartbeat rewrites it whole. While Redis is unreachable, answers fall back to this instance's own
 * sockets. Liveness uses real time (timers and Redis TTLs), not the injectable clock: it is about processes, not
 * business hours.
 */
export interface PresenceOptions {
  /** How often the mirror's TTL is refreshed (and the total re-counted). */
  heartbeatMs?: number;
  /** How long a silent instance's members keep counting. */
  ttlMs?: number;
  /** How long a counted total is reused (status requests and landing-page connections ask often). */
  cacheMs?: number;
}

export interface PresenceDeps {
  redis: Redis | undefined;
  keyPrefix: string;
  bus: EventBus;
  logger: Logger;
}

/** The presence key of a conversation's owner (its `/visitor` sockets). */
export function ownerPresenceKey(c: { visitorId: string | null; customerId: string | null }): string | undefined {
  if (c.customerId !== null) return `customer:${c.customerId}`;
  return c.visitorId !== null ? `visitor:${c.visitorId}` : undefined;
}

const STAFF = 'staff:';
const OWNER = 'owner:';

/** How long (and for how many owners) the instant an owner's last socket went away is remembered. */
const GONE_WINDOW_MS = 60 * 60_000;
const GONE_MAX = 50_000;

export class PresenceService {
  readonly instanceId = newId();
  private readonly heartbeatMs: number;
  private readonly ttlMs: number;
  private readonly cacheMs: number;
  /** Member → number of this instance's sockets. */
  private readonly local = new Map<string, number>();
  /** Owner key → when its last `/visitor` socket on this instance went away (real time; the last hour only). */
  private readonly gone = new Map<string, number>();
  private localStaff = 0;
  /** The Redis mirror may be missing members (a write failed, or it never was written). */
  private dirty = true;
  private cached: { value: number; ids: ReadonlySet<string>; at: number } | undefined;
  private lastAnnounced: number | undefined;
  private recountTimer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;

  constructor(
    private readonly deps: PresenceDeps,
    options: PresenceOptions = {},
  ) {
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.ttlMs = options.ttlMs ?? 15_000;
    this.cacheMs = options.cacheMs ?? 2_000;
    deps.bus.on('presence.changed', ({ agentsOnline }) => {
      // Another instance (or this one) saw the total change: count afresh next time.
      this.cached = undefined;
      this.lastAnnounced = agentsOnline;
    });
  }

  get distributed(): boolean {
    return this.deps.redis !== undefined;
  }

  // ---- what the socket layer reports ----

  staffConnected(userId: string): void {
    this.add(STAFF + userId);
  }

  staffDisconnected(userId: string): void {
    this.remove(STAFF + userId);
  }

  /** `ownerKey` as from `ownerPresenceKey`: `visitor:<id>` or `customer:<id>`. */
  ownerConnected(ownerKey: string): void {
    this.add(OWNER + ownerKey);
  }

  ownerDisconnected(ownerKey: string): void {
    this.remove(OWNER + ownerKey);
  }

  private add(member: string): void {
    const n = (this.local.get(member) ?? 0) + 1;
    this.local.set(member, n);
    if (n > 1) return;
    if (member.startsWith(STAFF)) this.localStaff++;
    this.mirror('add', member);
    if (member.startsWith(STAFF)) this.scheduleRecount();
  }

  private remove(member: string): void {
    const n = (this.local.get(member) ?? 0) - 1;
    if (n > 0) {
      this.local.set(member, n);
      return;
    }
    if (!this.local.delete(member)) return;
    if (member.startsWith(STAFF)) this.localStaff--;
    else this.rememberGone(member.slice(OWNER.length));
    this.mirror('remove', member);
    if (member.startsWith(STAFF)) this.scheduleRecount();
  }

  // ---- answers ----

  /** Distinct staff users with at least one connected `/staff` socket on any live instance. */
  async agentsOnline(): Promise<number> {
    if (!this.deps.redis) return this.localStaff;
    return (await this.connectedStaff()).size;
  }

  /**
   * The ids of staff users with at least one connected `/staff` socket on any live instance (routing: only agents
   * with a desk open get conversations). Cached like the count.
   */
  async connectedStaff(): Promise<ReadonlySet<string>> {
    const local = () => {
      const ids = new Set<string>();
      for (const member of this.local.keys()) if (member.startsWith(STAFF)) ids.add(member.slice(STAFF.length));
      return ids;
    };
    const redis = this.deps.redis;
    if (!redis) return local();
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached.ids;
    try {
      const ids = await this.liveInstances();
      const members = ids.length === 0 ? [] : await redis.sunion(...ids.map((id) => this.key(id, 'staff')));
      // Our own sockets count even if our mirror is behind (a write failed a moment ago).
      const all = new Set(members);
      for (const id of local()) all.add(id);
      this.cached = { value: all.size, ids: all, at: now };
      return all;
    } catch (err) {
      this.warn(err, 'presence count failed; counting this instance only');
      return local();
    }
  }

  /** Records when an owner's last socket here went away (here and, with Redis, for every instance). */
  private rememberGone(ownerKey: string): void {
    const now = Date.now();
    this.gone.delete(ownerKey);
    this.gone.set(ownerKey, now);
    // Bounded: the oldest entries go first (insertion order), and nothing older than the window is kept.
    for (const [key, at] of this.gone) {
      if (this.gone.size <= GONE_MAX && at > now - GONE_WINDOW_MS) break;
      this.gone.delete(key);
    }
    const redis = this.deps.redis;
    if (!redis || this.stopped) return;
    redis.set(this.goneKey(ownerKey), String(now), 'PX', GONE_WINDOW_MS).catch(() => undefined);
  }

  private goneKey(ownerKey: string): string {
    return `${this.deps.keyPrefix}:presence:gone:${ownerKey}`;
  }

  /**
   * Whether the owner was connected at `sinceMs` (real time) or since: connected now, or its last socket (on any
   * instance) went away after that instant. An agent's reply reaches a visitor who was there when it was written
   * live, even if they left a moment later: no e-mail for it (reply e-mails; the answer covers the last hour).
   */
  async wasOwnerConnectedSince(ownerKey: string, sinceMs: number): Promise<boolean> {
    if (await this.isOwnerConnected(ownerKey)) return true;
    if ((this.gone.get(ownerKey) ?? 0) >= sinceMs) return true;
    const redis = this.deps.redis;
    if (!redis) return false;
    try {
      return Number((await redis.get(this.goneKey(ownerKey))) ?? 0) >= sinceMs;
    } catch (err) {
      this.warn(err, 'presence lookup failed; answering from this instance only');
      return false;
    }
  }

  /** Whether the owner (`visitor:<id>` / `customer:<id>`) has a `/visitor` socket on any live instance. */
  async isOwnerConnected(ownerKey: string): Promise<boolean> {
    if (this.local.has(OWNER + ownerKey)) return true;
    const redis = this.deps.redis;
    if (!redis) return false;
    try {
      // Always a fresh list: asked only for agent replies to conversations with an e-mail address, and a stale
      // list would miss a visitor on an instance that just started.
      const ids = (await this.liveInstances()).filter((id) => id !== this.instanceId);
      if (ids.length === 0) return false;
      const pipeline = redis.pipeline();
      for (const id of ids) pipeline.sismember(this.key(id, 'owners'), ownerKey);
      const results = (await pipeline.exec()) ?? [];
      return results.some(([err, value]) => !err && value === 1);
    } catch (err) {
      // Unknown is treated as "not connected": at worst the visitor gets an e-mail it did not need.
      this.warn(err, 'presence lookup failed; answering from this instance only');
      return false;
    }
  }

  // ---- lifecycle ----

  /** How often `beat()` should run (the jobs runner's `presence.heartbeat` task). */
  get beatEveryMs(): number {
    return this.heartbeatMs;
  }

  /** Starts keeping this instance's mirror (Redis only); the runner then calls `beat()` every `beatEveryMs`. */
  start(): void {
    if (!this.deps.redis || this.started) return;
    this.started = true;
    this.stopped = false;
    // (Re)connected: write the mirror now rather than at the next beat (commands fail fast while it connects).
    this.deps.redis.on('ready', this.onReady);
    void this.beat();
  }

  /** Stops the heartbeat and removes this instance's mirror, so the others stop counting its members at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.started = false;
    if (this.recountTimer) clearTimeout(this.recountTimer);
    const redis = this.deps.redis;
    redis?.off('ready', this.onReady);
    if (!redis || redis.status !== 'ready') return;
    try {
      await redis
        .multi()
        .del(
          this.key(this.instanceId, 'alive'),
          this.key(this.instanceId, 'staff'),
          this.key(this.instanceId, 'owners'),
        )
        .srem(this.instancesKey(), this.instanceId)
        .exec();
      if (this.localStaff > 0) {
        // Our agents just went away for everyone: let the other instances push a fresh status.
        this.cached = undefined;
        const total = await this.agentsOnline();
        this.deps.bus.publish(domainEvent('presence.changed', { agentsOnline: total }));
      }
    } catch (err) {
      this.warn(err, 'presence cleanup failed; the TTL will expire it');
    }
  }

  // ---- Redis mirror ----

  private key(instanceId: string, kind: 'alive' | 'staff' | 'owners'): string {
    return `${this.deps.keyPrefix}:presence:${instanceId}:${kind}`;
  }

  private instancesKey(): string {
    return `${this.deps.keyPrefix}:presence:instances`;
  }

  private mirror(op: 'add' | 'remove', member: string): void {
    const redis = this.deps.redis;
    if (!redis || this.stopped) return;
    const staff = member.startsWith(STAFF);
    const key = this.key(this.instanceId, staff ? 'staff' : 'owners');
    const value = member.slice(staff ? STAFF.length : OWNER.length);
    const tx = redis.multi();
    if (op === 'add') tx.sadd(key, value).pexpire(key, this.ttlMs);
    else tx.srem(key, value);
    tx.exec().then(
      (results) => {
        if (results?.some(([err]) => err)) this.dirty = true;
      },
      () => {
        // Redis is away: the heartbeat rewrites the whole mirror once it is back.
        this.dirty = true;
      },
    );
  }

  private readonly onReady = () => void this.beat();

  /** Refreshes this instance's mirror and lease in Redis (a no-op without Redis, or once stopped). */
  async beat(): Promise<void> {
    const redis = this.deps.redis;
    if (!redis || this.stopped || !this.started) return;
    const staffKey = this.key(this.instanceId, 'staff');
    const ownersKey = this.key(this.instanceId, 'owners');
    try {
      const tx = redis.multi();
      if (this.dirty) {
        this.dirty = false;
        tx.del(staffKey, ownersKey);
        const staff: string[] = [];
        const owners: string[] = [];
        for (const member of this.local.keys()) {
          if (member.startsWith(STAFF)) staff.push(member.slice(STAFF.length));
          else owners.push(member.slice(OWNER.length));
        }
        for (let i = 0; i < staff.length; i += 1000) tx.sadd(staffKey, ...staff.slice(i, i + 1000));
        for (let i = 0; i < owners.length; i += 1000) tx.sadd(ownersKey, ...owners.slice(i, i + 1000));
      }
      tx.set(this.key(this.instanceId, 'alive'), '1', 'PX', this.ttlMs)
        .sadd(this.instancesKey(), this.instanceId)
        .pexpire(staffKey, this.ttlMs)
        .pexpire(ownersKey, this.ttlMs);
      const results = await tx.exec();
      if (!results || results.some(([err]) => err)) this.dirty = true;
    } catch {
      this.dirty = true;
      return;
    }
    // Also notices instances that died without a goodbye (their keys expired).
    await this.recount();
  }

  /** Instance ids whose heartbeat is fresh; dead ones are dropped from the list. */
  private async liveInstances(): Promise<string[]> {
    const redis = this.deps.redis!;
    const ids = await redis.smembers(this.instancesKey());
    if (ids.length === 0) return [];
    const pipeline = redis.pipeline();
    for (const id of ids) pipeline.exists(this.key(id, 'alive'));
    const results = (await pipeline.exec()) ?? [];
    const live: string[] = [];
    const dead: string[] = [];
    ids.forEach((id, i) => {
      const [err, value] = results[i] ?? [null, 0];
      if (!err && value === 1) live.push(id);
      else if (!err && id !== this.instanceId) dead.push(id);
    });
    if (dead.length > 0) await redis.srem(this.instancesKey(), ...dead);
    return live;
  }

  // ---- announcing changes ----

  private scheduleRecount(): void {
    if (this.recountTimer || this.stopped) return;
    // Coalesces a burst (an agent's tabs reconnecting) into one count and at most one announcement.
    this.recountTimer = setTimeout(() => {
      this.recountTimer = undefined;
      void this.recount();
    }, 50);
    this.recountTimer.unref();
  }

  private async recount(): Promise<void> {
    this.cached = undefined;
    const total = await this.agentsOnline();
    if (total === this.lastAnnounced || this.stopped) return;
    this.lastAnnounced = total;
    this.deps.bus.publish(domainEvent('presence.changed', { agentsOnline: total }));
  }

  private warnedAt = 0;
  private warn(err: unknown, message: string): void {
    // Once a minute at most: a Redis outage would otherwise log on every status request.
    const now = Date.now();
    if (now - this.warnedAt < 60_000) return;
    this.warnedAt = now;
    this.deps.logger.warn({ err: { message: (err as Error).message } }, message);
  }
}
