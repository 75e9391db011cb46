import { chatScenario } from './chat.js';
import { coldStartScenario } from './cold-start.js';
import { idleScenario } from './idle.js';
import { throughputScenario } from './throughput.js';
import type { Scenario } from './types.js';

/**
 * Every scenario `npm run bench` knows, in the order they run. chat and throughput run on the relay only until the
 * product's adapter exists; kill -9, two instances and reconnect storm are added here with it.
 */
export const SCENARIOS: readonly Scenario[] = [coldStartScenario, idleScenario, chatScenario, throughputScenario];
