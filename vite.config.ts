import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const outDir = resolve(import.meta.dirname, 'dist/web');

/**
 * Writes `name.br` (brotli, best) and `name.gz` (gzip, best) beside every built asset worth compressing, once, at
 * build time: the server (src/http/web-app.ts, @fastify/static `preCompressed`) then sends the smallest variant the
 * browser accepts without compressing anything per request. Source maps are left alone (only developers fetch them).
 */
function precompress(): Plugin {
  return {
    name: 'support-central:precompress',
    apply: 'build',
    closeBundle() {
      const assets = join(outDir, 'assets');
      for (const name of readdirSync(assets)) {
        if (!/\.(js|css|svg|json|txt)$/.test(name)) continue;
        const bytes = readFileSync(join(assets, name));
        if (bytes.length < 1024) continue; // not worth a second round trip's worth of headers
        writeFileSync(
          join(assets, `${name}.br`),
          brotliCompressSync(bytes, {
            params: {
              [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
              [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length,
            },
          }),
        );
        writeFileSync(join(assets, `${name}.gz`), gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

// The code is written against React's API and types; the runtime is preact/compat. React DOM 19 alone is about
// 57 kB of gzipped JavaScript, and the visitor's pages (landing, conversation) have a budget of 60 kB for all of
// theirs (issue 16; web/e2e/bundle-budget.test.ts measures what the pages really load).
const preactCompat = [
  { find: /^react$/, replacement: 'preact/compat' },
  { find: /^react-dom$/, replacement: 'preact/compat' },
  { find: /^react-dom\/client$/, replacement: 'preact/compat/client' },
  { find: /^react\/jsx-runtime$/, replacement: 'preact/jsx-runtime' },
  { find: /^react\/jsx-dev-runtime$/, replacement: 'preact/jsx-runtime' },
];

// The browser app: two entries so the visitor never downloads the staff app.
export default defineConfig({
  root: 'web',
  base: '/',
  publicDir: false,
  resolve: { alias: preactCompat },
  plugins: [precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'web/index.html'),
        staff: resolve(import.meta.dirname, 'web/staff.html'),
      },
    },
  },
});
