import { productMessagingAdapter } from './product.js';
import { relayAdapter } from './relay.js';
import { socketioSqliteAdapter } from './socketio-sqlite.js';
import type { MessagingAdapter } from './types.js';

/**
 * Adapters the messaging scenarios may use, by name: the bare relay (the floor), the Socket.IO + SQLite chat a
 * developer would write (the second baseline), and the product (the built server, visitor and agent through the
 * real client path).
 */
export const MESSAGING_ADAPTERS: Readonly<Record<string, MessagingAdapter>> = {
  relay: relayAdapter,
  'socketio-sqlite': socketioSqliteAdapter,
  product: productMessagingAdapter,
};
