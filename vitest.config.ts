import { defineConfig } from 'vitest/config';

// Three projects: unit (pure functions), integration (the real server over HTTP and sockets on SQLite and
// PostgreSQL), browser (Debian's Chromium against the built app). `npm test` runs them all.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**', 'dist/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['src/**/*.int.test.ts', 'test/**/*.int.test.ts', 'bench/**/*.int.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // A live update must arrive within 5 s, not vitest's default 1 s: on a 2-core CI machine running the
          // whole suite a socket round trip can take longer than a second without anything being wrong.
          expect: { poll: { timeout: 5_000 } },
        },
      },
      {
        test: {
          name: 'browser',
          include: ['web/e2e/**/*.test.ts'],
          testTimeout: 90_000,
          hookTimeout: 60_000,
          expect: { poll: { timeout: 5_000 } },
          fileParallelism: false,
        },
      },
    ],
    allowOnly: false,
  },
});
