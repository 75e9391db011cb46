import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The browser app: two entries so the visitor never downloads the staff app.
export default defineConfig({
  root: 'web',
  base: '/',
  publicDir: false,
  build: {
    outDir: resolve(import.meta.dirname, 'dist/web'),
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
