import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { projectRoot } from '../../core/paths.js';
import { newId } from '../../core/ids.js';
import { inTransaction } from '../../db/transaction.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../../../test/harness/dialects.js';
import { startTestApp } from '../../../test/harness/test-app.js';

const ring = (...keys: [string, Buffer][]) => keys.map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');

/** Runs the CLI from the sources, as `npm run cli -- …` does, in the database's data directory (no .env there). */
function runCli(
  database: TestDatabase,
  env: Record<string, string>,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = projectRoot();
  return new Promise((resolve, reject) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'src', 'cli', 'index.ts'), ...args], {
      cwd: database.dataDir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        NODE_ENV: 'test',
        DATA_DIR: database.dataDir,
        DATABASE_URL: database.url,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describeEachDialect('support-central rotate-keys', (dialect) => {
  it('re-wraps in batches with progress and a summary, is idempotent, and fails with one clear line', async () => {
    const database = await createTestDatabase(dialect);
    const [oldKey, newKey] = [randomBytes(32), randomBytes(32)];
    try {
      const t = await startTestApp(dialect, { database, env: { ENCRYPTION_KEYS: ring(['old', oldKey]) } });
      await inTransaction(t.ctx.db, t.ctx.bus, async ({ trx }) => {
        for (let i = 0; i < 5; i++) await t.ctx.services.keys.createDataKey(trx, newId());
      });
      await t.stop();
      const both = { ENCRYPTION_KEYS: ring(['new', newKey], ['old', oldKey]) };

      const first = await runCli(database, both, ['rotate-keys', '--batch-size', '2']);
      expect(first.stderr).toBe('');
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('2 of 5 processed');
      expect(first.stdout).toContain('4 of 5 processed');
      expect(first.stdout).toContain('5 of 5 processed (5 re-wrapped)');
      expect(first.stdout).toContain('Re-wrapped 5 data keys under new; 0 already current.');

      const second = await runCli(database, both, ['rotate-keys']);
      expect(second.code).toBe(0);
      expect(second.stdout.trim()).toBe('Re-wrapped 0 data keys under new; 5 already current.');
      for (const output of [first.stdout, second.stdout]) {
        expect(output).not.toContain(newKey.toString('base64'));
        expect(output).not.toContain(oldKey.toString('base64'));
      }

      // The key the data is wrapped under is not configured: refused before anything runs, naming only its id.
      const missing = await runCli(database, { ENCRYPTION_KEYS: ring(['other', randomBytes(32)]) }, ['rotate-keys']);
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim().split('\n')).toHaveLength(1);
      expect(missing.stderr).toMatch(/^error: encryption keys are missing for existing data: .*master key "new"/);

      const badBatch = await runCli(database, both, ['rotate-keys', '--batch-size', '0']);
      expect(badBatch.code).not.toBe(0);
      expect(badBatch.stderr).toMatch(/--batch-size.*must be a whole number between 1 and 10000/);
    } finally {
      await database.drop();
    }
  });
});
