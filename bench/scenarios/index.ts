import { chatScenario } from './chat.js';
import { coldStartScenario } from './cold-start.js';
import { idleScenario } from './idle.js';
import { landingScenario } from './landing.js';
import { reconnectStormScenario } from './reconnect-storm.js';
import { throughputScenario } from './throughput.js';
import { twoInstancesScenario } from './two-instances.js';
import type { Scenario } from './types.js';

/**
 * Every scenario `npm run bench` knows, in the order they run: single-process start-up and memory (cold-start,
 * idle), messaging on one instance (chat, throughput with its kill -9 check), messaging across two instances on
 * PostgreSQL + Redis (two-instances), and N clients cut and resuming at once (reconnect-storm). Each messaging and
 * memory scenario runs the bare relay beside the product in the same run and reports ratios to it; cold-start and
 * landing (time to render the landing page in Chromium) are absolute figures with a 1 s target.
 */
export const SCENARIOS: readonly Scenario[] = [
  coldStartScenario,
  landingScenario,
  idleScenario,
  chatScenario,
  throughputScenario,
  twoInstancesScenario,
  reconnectStormScenario,
];
