import { productMessagingAdapter } from './product.js';
import { relayAdapter } from './relay.js';
import type { MessagingAdapter } from './types.js';

/**
 * Adapters the messaging scenarios may use, by name: the bare relay (the floor) and the product (the built server,
 * visitor and agent through the real client path).
 */
export const MESSAGING_ADAPTERS: Readonly<Record<string, MessagingAdapter>> = {
  relay: relayAdapter,
  product: productMessagingAdapter,
};
