import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS } from '../../../test/harness/dialects.js';
import { createUserFromDb } from '../../../test/harness/direct-users.js';
import { PASSWORD } from '../../../test/harness/factories.js';
import { HttpClient } from '../../../test/harness/http-client.js';
import { redisServerAvailable, startPrivateRedis } from '../../../test/harness/private-services.js';
import { spawnServer } from '../../../test/harness/spawn-server.js';
import { startWebhookReceiver } from '../../../test/harness/webhook-receiver.js';

const runnable = DIALECTS.includes('postgres') && (await redisServerAvailable());

describe.skipIf(!runnable)('webhooks across two instances (PostgreSQL + Redis, separate processes)', () => {
  it('delivers every event exactly once per endpoint while both instances send, retries included', async () => {
    const database = await createTestDatabase('postgres');
    const redis = await startPrivateRedis();
    const receiver = await startWebhookReceiver();
    const env = {
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      REDIS_URL: redis.url,
      PASSWORD_HASH_MEMORY_KIB: '1024',
      PASSWORD_HASH_TIME_COST: '1',
      LIMIT_MESSAGES_PER_10_SECONDS: '1000',
      LIMIT_CONVERSATIONS_PER_IP_PER_HOUR: '1000',
      LIMIT_VISITOR_SESSIONS_PER_IP_PER_HOUR: '1000',
      WEBHOOK_FIRST_RETRY_SECONDS: '1',
    };
    const a = await spawnServer(env);
    const b = await spawnServer(env);
    try {
      const admin = await createUserFromDb(database.url, 'admin');
      const onA = new HttpClient(a.url);
      await onA.post('/api/staff/login', { login: admin.username, password: PASSWORD });
      const created = await onA.post('/api/admin/webhooks', {
        url: `${receiver.url}/hook`,
        events: ['conversation.created', 'message.created'],
        allowPrivateNetwork: true,
      });
      expect(created.status).toBe(201);
      receiver.secret = created.body.secret;
      // A slow receiver that fails every fifth request: deliveries overlap and retries happen on both instances.
      let n = 0;
      receiver.fallback = { status: 200, delayMs: 30 };
      const script = () => {
        n += 1;
        return n % 5 === 0 ? { status: 503, delayMs: 30 } : { status: 200, delayMs: 30 };
      };
      receiver.script = Array.from({ length: 200 }, script);

      // Instance B learns of the endpoint through the bus (Redis): a visitor there is heard.
      const probe = new HttpClient(b.url);
      await probe.post('/api/visitor/session', {});
      await probe.post('/api/conversations', { displayName: 'Pat Probe', text: 'Is instance B listening yet?' });
      await expect.poll(() => receiver.of('conversation.created').length, { timeout: 10_000 }).toBeGreaterThan(0);

      const conversations = 12;
      await Promise.all(
        Array.from({ length: conversations }, async (_, i) => {
          const client = new HttpClient(i % 2 === 0 ? a.url : b.url);
          await client.post('/api/visitor/session', {});
          const start = await client.post('/api/conversations', {
            displayName: `Visitor Number${String.fromCharCode(65 + i)}`,
            text: `Question ${i} from a visitor, please help.`,
          });
          for (let k = 0; k < 3; k++) {
            await client.post(`/api/conversations/${start.body.conversation.id}/messages`, {
              clientMsgId: randomUUID(),
              text: `follow-up ${k}`,
            });
          }
        }),
      );
      // Probe (2 events) + 12 × (created + first message + 3 follow-ups).
      const expected = 2 + conversations * 5;
      const delivered = () => new Set(receiver.received.filter((r) => r.answered === 200).map((r) => r.json.id));
      await expect.poll(() => delivered().size, { timeout: 30_000 }).toBe(expected);
      // Exactly once: no event was answered 200 twice, and every request carried a valid signature.
      const ok = receiver.received.filter((r) => r.answered === 200).map((r) => r.json.id);
      expect(ok.length).toBe(expected);
      expect(receiver.received.every((r) => r.verdict.ok)).toBe(true);
      expect(receiver.received.some((r) => r.answered === 503)).toBe(true);
      // The log agrees (an outcome is written just after the receiver's answer).
      await expect
        .poll(async () => (await onA.get('/api/admin/webhook-deliveries?pageSize=100&status=delivered')).body.total)
        .toBe(expected);
    } finally {
      await Promise.all([a.kill(), b.kill()]);
      await receiver.close();
      await redis.stop();
      await database.drop();
    }
  });
});
