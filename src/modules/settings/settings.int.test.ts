import { expect, it } from 'vitest';
import { ConfigError } from '../../config/config.js';
import { createTestDatabase, describeEachDialect } from '../../../test/harness/dialects.js';
import { startTestApp } from '../../../test/harness/test-app.js';

describeEachDialect('runtime settings', (dialect) => {
  it('are seeded once from the environment, after which the stored (admin) value wins', async () => {
    const database = await createTestDatabase(dialect);
    try {
      const first = await startTestApp(dialect, { database, env: { SERVICE_NAME: 'Campus Help' } });
      expect((await first.client().get('/api/settings/public')).body.serviceName).toBe('Campus Help');
      await first.ctx.services.settings.set('branding.serviceName', 'Help Centre', {
        id: null,
        name: 'test',
        ip: null,
      });
      await first.stop();

      // A restart with a different environment value does not overwrite the admin's choice.
      const second = await startTestApp(dialect, { database, env: { SERVICE_NAME: 'Something Else' } });
      expect((await second.client().get('/api/settings/public')).body.serviceName).toBe('Help Centre');
      expect(second.logs.some((l) => l.includes('the stored value wins'))).toBe(true);
      await second.stop();
    } finally {
      await database.drop();
    }
  });

  it('refuses an invalid seed at start with a configuration error', async () => {
    await expect(startTestApp(dialect, { env: { SERVICE_NAME: 'x'.repeat(200) } })).rejects.toBeInstanceOf(ConfigError);
  });

  it('rejects an invalid admin value with validation_failed and keeps the old one', async () => {
    const t = await startTestApp(dialect);
    try {
      await expect(t.ctx.services.settings.set('branding.agentTitle', '', null)).rejects.toMatchObject({
        code: 'validation_failed',
      });
      expect(t.ctx.services.settings.get('branding.agentTitle')).toBe('Support');
    } finally {
      await t.stop();
    }
  });
});
