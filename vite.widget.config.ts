import { resolve } from 'node:path';
import { defineConfig } from 'vite';

/**
 * The embeddable widget, built apart from the main app (vite.config.ts) into dist/widget:
 * - the frame (`/widget/frame`, assets under `/widget/assets/`): the visitor chat's own components, run on Preact
 *   through `preact/compat` instead of React, so the chat fits its budget (≤ 80 kB gzipped of JavaScript);
 * - the loader (`/widget.js`): built by the second config below, one classic script with no imports.
 * `npm run build:web` runs both after the main app.
 */
const preact = {
  react: 'preact/compat',
  'react-dom/client': 'preact/compat/client',
  'react-dom': 'preact/compat',
  'react/jsx-runtime': 'preact/jsx-runtime',
  'react/jsx-dev-runtime': 'preact/jsx-runtime',
};

export default defineConfig(({ mode }) =>
  mode === 'loader'
    ? {
        publicDir: false,
        build: {
          outDir: resolve(import.meta.dirname, 'dist/widget'),
          emptyOutDir: false,
          target: 'es2019',
          sourcemap: false,
          lib: {
            entry: resolve(import.meta.dirname, 'web/src/widget/loader.ts'),
            formats: ['iife'],
            name: 'SupportCentralLoader',
            fileName: () => 'widget.js',
          },
          minify: true,
        },
      }
    : {
        root: 'web/widget',
        base: '/widget/',
        publicDir: false,
        resolve: { alias: preact },
        build: {
          outDir: resolve(import.meta.dirname, 'dist/widget'),
          emptyOutDir: true,
          sourcemap: true,
          target: 'es2022',
          rollupOptions: { input: { frame: resolve(import.meta.dirname, 'web/widget/frame.html') } },
        },
      },
);
