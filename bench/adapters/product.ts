/**
 * STUB — the product's messaging adapter, to be written with the messaging issue. It is deliberately NOT in
 * `MESSAGING_ADAPTERS` (bench/adapters/index.ts): until it works, no messaging scenario runs against the
 * product and no product figure is reported for them.
 *
 * What it must do (see bench/adapters/types.ts for the contract):
 *  - `productMessagingSetup.prepare({ urls, databaseEnv })` (runner process, once per server target): create
 *    what conversations need on the staff side, e.g. agent accounts (CLI `create-admin`/staff API) signed in
 *    with `transport: 'bearer'`; return their tokens (JSON).
 *  - `productMessagingAdapter.openPair({ index, urls, prepared, timeoutMs }, handlers)` (worker process):
 *    participant 0 = a visitor: `POST /api/visitor/session {"transport":"bearer"}` on urls[0], connect
 *    `/visitor` with `auth: { token }` (socket.io-client, WebSocket only, `extraHeaders.origin`), start a
 *    conversation (`POST /api/conversations`, bearer); participant 1 = an agent from `prepared` on
 *    urls[1 % urls.length], connected to `/staff`, joined to that conversation. Resolve once both sockets
 *    receive `message:new` for the conversation.
 *  - `send(body, done)`: `socket.emit('message:send', { conversationId, text: body }, ack)`; call
 *    `done(undefined, { id, seq })` on a success ack, `done(error.code)` on an error ack. Never wait for
 *    anything else before emitting (open loop).
 *  - `message:new` frames → `handlers.onMessage(side, text)` with the text exactly as sent (the scenarios key
 *    messages by an ASCII prefix of the body, `<worker>:<number>:`; the text rules keep it intact).
 *  - disconnects → `handlers.onDisconnect(side, reason)`.
 *  - kill -9: `productMessagingSetup.countStored({ databaseEnv }, ackedIds)` counts rows per acknowledged id in
 *    the database (open it with the same DATA_DIR / DATABASE_URL; Kysely from src/db is fine).
 *  Then add `product: productMessagingAdapter` to MESSAGING_ADAPTERS and the product targets to the scenarios.
 */
import type { MessagingAdapter, MessagingAdapterSetup } from './types.js';

const notYet = (what: string) =>
  new Error(`productMessagingAdapter.${what} is not implemented yet (messaging is being built): no figures`);

export const productMessagingAdapter: MessagingAdapter = {
  name: 'product',
  openPair() {
    return Promise.reject(notYet('openPair'));
  },
};

export const productMessagingSetup: MessagingAdapterSetup = {
  prepare() {
    return Promise.reject(notYet('prepare'));
  },
  countStored() {
    return Promise.reject(notYet('countStored'));
  },
};
