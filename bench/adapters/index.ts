import { relayAdapter } from './relay.js';
import type { MessagingAdapter } from './types.js';

/**
 * Adapters the messaging scenarios may use, by name. The product's (bench/adapters/product.ts) joins this list
 * when it works; until then the messaging scenarios run on the relay only.
 */
export const MESSAGING_ADAPTERS: Readonly<Record<string, MessagingAdapter>> = {
  relay: relayAdapter,
};
