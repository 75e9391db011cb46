/**
 * Debian's Chromium driven by playwright-core (no browser downloads). Screenshots go to test-results/screens.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/core/paths.js';
import { CHROMIUM_PATH, requireDependency } from './environment.js';

export const SCREENSHOT_DIR = join(projectRoot(), 'test-results', 'screens');

export function chromiumAvailable(): boolean {
  return requireDependency(
    'Chromium',
    existsSync(CHROMIUM_PATH),
    `${CHROMIUM_PATH} not found; apt-get install -y chromium`,
  );
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
}

/** Saves a full-page screenshot under test-results/screens and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects console errors and CSP violations, which a test should assert are empty. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}
