import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding package.json, whether running from src/ (tsx) or dist/server/ (built). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** Where `vite build` writes the browser app. */
export function webDistDir(): string {
  return join(projectRoot(), 'dist', 'web');
}

/** Where the widget's build (`vite.widget.config.ts`) writes the loader (`widget.js`) and the frame app. */
export function widgetDistDir(): string {
  return join(projectRoot(), 'dist', 'widget');
}
