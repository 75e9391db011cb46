import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Frame, Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
  /** The offending elements' HTML and axe's explanation, to fix without re-running. */
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.1 A/AA rules) in the page (or one frame of it) and returns the serious and critical violations. The script is
 * evaluated through the DevTools protocol, so the page's strict CSP stays on.
 */
export async function seriousA11yViolations(page: Page | Frame): Promise<A11yViolation[]> {
  await page.evaluate(`${axeSource};undefined`);
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })`,
  )) as {
    violations: {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: string[]; html: string; failureSummary?: string }[];
    }[];
  };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
      nodes: v.nodes.slice(0, 3).map((n) => `${n.html.slice(0, 200)} — ${n.failureSummary ?? ''}`),
    }));
}
