import { useCallback, useEffect, useRef, useState } from 'react';
import type { Socket } from 'socket.io-client';
import type { AttachmentView } from '../../../../src/shared/attachments.js';
import type { Ack, ConversationView, MessageView, SyncResult } from '../../../../src/shared/conversations.js';
import type { TypingFrame } from '../../../../src/shared/desk.js';
import { outbox, type OutboxItem } from './storage.js';

/**
 * What is true about the connection right now: `connecting` (first connect), `online`, `reconnecting` (the connection
 * dropped, a new one is being tried), `offline` (the browser is offline, or a reconnection attempt has failed: the
 * server cannot be reached; attempts go on), `back` (online again after an outage, for a few seconds).
 */
export type ConnectionState = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'back';

/** How long "back online" stays up after an outage before the badge goes quiet again. */
const BACK_ONLINE_MS = 4_000;

export interface ConversationState<C extends ConversationView = ConversationView> {
  conversation: C | null;
  messages: MessageView[];
  pending: OutboxItem[];
  connection: ConnectionState;
  error: string | null;
  notFound: boolean;
  /** Who is typing on the other side right now (name → until when). */
  typing: { name: string; note: boolean }[];
}

const newId = () =>
  typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * One conversation, live, for either side (visitor socket or staff socket): messages are kept by sequence number;
 * every (re)connect and every gap triggers a sync from the last sequence held, so nothing is lost or shown twice.
 * Unsent messages wait in a persistent outbox and are resent with their original client id until acknowledged.
 */
export function useLiveConversation<C extends ConversationView = ConversationView>(
  getSocket: () => Socket,
  conversationId: string,
  options: { outboxScope: string; selfId?: string } = { outboxScope: 'public' },
) {
  const outboxKey = `${options.outboxScope}:${conversationId}`;
  const [state, setState] = useState<ConversationState<C>>({
    conversation: null,
    messages: [],
    pending: outbox.load(outboxKey),
    connection: 'connecting',
    error: null,
    notFound: false,
    typing: [],
  });
  const bySeq = useRef(new Map<number, MessageView>());
  const lastSeq = useRef(0);
  const syncing = useRef<Promise<void> | null>(null);
  /** Counts conversation:updated pushes, so a sync answer read before a push cannot overwrite it (see sync). */
  const pushes = useRef(0);

  const publish = useCallback(() => {
    const messages = [...bySeq.current.values()].sort((a, b) => a.seq - b.seq);
    setState((s) => ({ ...s, messages }));
  }, []);

  const accept = useCallback((m: MessageView) => {
    bySeq.current.set(m.seq, m);
    // The highest contiguous sequence: a hole means something is missing and must be synced.
    while (bySeq.current.has(lastSeq.current + 1)) lastSeq.current += 1;
  }, []);

  const sync = useCallback(async (): Promise<void> => {
    if (syncing.current) return syncing.current;
    const socket = getSocket();
    const run = (async () => {
      for (;;) {
        const pushesBefore = pushes.current;
        const r = (await socket
          .timeout(10_000)
          .emitWithAck('conversation:sync', { conversationId, after: lastSeq.current })) as Ack<SyncResult>;
        if (!r.ok) {
          if (r.error.code === 'not_found') setState((s) => ({ ...s, notFound: true }));
          else if (r.error.code === 'sequence_invalid') {
            // Our numbering is from somewhere else (another tab, an erased conversation): start over.
            bySeq.current.clear();
            lastSeq.current = 0;
            continue;
          }
          return;
        }
        for (const m of r.messages) accept(m);
        // The server may have read this answer before a change whose push reached us first (an agent's own join
        // while the pane opens): every change is pushed, so a push that arrived meanwhile is at least as new.
        if (pushes.current === pushesBefore) setState((s) => ({ ...s, conversation: r.conversation as C }));
        if (!r.hasMore) break;
      }
      publish();
    })();
    syncing.current = run.finally(() => (syncing.current = null));
    return syncing.current;
  }, [accept, conversationId, publish]);

  const deliver = useCallback(
    async (item: OutboxItem) => {
      const socket = getSocket();
      try {
        const r = (await socket.timeout(10_000).emitWithAck('message:send', {
          conversationId,
          clientMsgId: item.clientMsgId,
          text: item.text,
          ...(item.note ? { note: true } : {}),
          ...(item.attachments?.length ? { attachmentIds: item.attachments.map((a) => a.id) } : {}),
        })) as Ack<{ message: MessageView }>;
        if (r.ok) {
          accept(r.message);
          publish();
        } else if (
          r.error.code === 'rate_limited' ||
          r.error.code === 'service_unavailable' ||
          r.error.code === 'database_unavailable'
        ) {
          setState((s) => ({ ...s, error: r.error.message }));
          return; // stays in the outbox; retried on the next connect
        } else {
          setState((s) => ({ ...s, error: r.error.message }));
        }
      } catch {
        return; // no ack (disconnected): stays in the outbox
      }
      const remaining = outbox.load(outboxKey).filter((o) => o.clientMsgId !== item.clientMsgId);
      outbox.save(outboxKey, remaining);
      setState((s) => ({ ...s, pending: remaining }));
    },
    [accept, conversationId, publish],
  );

  const flushOutbox = useCallback(async () => {
    for (const item of outbox.load(outboxKey)) await deliver(item);
  }, [conversationId, deliver]);

  useEffect(() => {
    const socket = getSocket();
    let backTimer: ReturnType<typeof setTimeout> | undefined;
    let wasDown = false;
    const setConnection = (connection: ConnectionState) => setState((s) => ({ ...s, connection }));
    const onConnect = () => {
      clearTimeout(backTimer);
      if (wasDown) backTimer = setTimeout(() => setConnection('online'), BACK_ONLINE_MS);
      setConnection(wasDown ? 'back' : 'online');
      wasDown = false;
      void sync().then(flushOutbox);
    };
    const onDisconnect = () => {
      clearTimeout(backTimer);
      wasDown = true;
      setConnection(navigator.onLine === false ? 'offline' : 'reconnecting');
    };
    // A failed attempt means the server cannot be reached now (down, or the network): say offline, not "reconnecting".
    const onReconnectError = () => {
      if (!socket.connected) setConnection('offline');
    };
    const onBrowserOffline = () => {
      if (!socket.connected) setConnection('offline');
    };
    const onMessage = ({ message }: { message: MessageView }) => {
      if (message.conversationId !== conversationId) return;
      if (message.seq <= lastSeq.current) return;
      if (message.seq === lastSeq.current + 1) {
        accept(message);
        publish();
      } else {
        void sync();
      }
    };
    const onUpdated = ({ conversation }: { conversation: C }) => {
      if (conversation.id !== conversationId) return;
      pushes.current += 1;
      setState((s) => ({ ...s, conversation }));
      if (conversation.lastSeq > lastSeq.current) void sync();
    };
    const onResync = () => void sync();
    const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
    const onTyping = (frame: TypingFrame) => {
      if (frame.conversationId !== conversationId || frame.who.id === options.selfId) return;
      const key = `${frame.who.type}:${frame.who.id}`;
      // The server names who types (an agent, or the visitor by the name they gave).
      const name = frame.who.name || (frame.who.type === 'staff' ? 'An agent' : 'The visitor');
      clearTimeout(typingTimers.get(key));
      setState((s) => ({
        ...s,
        typing: [...s.typing.filter((x) => x.name !== name), ...(frame.isTyping ? [{ name, note: frame.note }] : [])],
      }));
      // A lost "stopped typing" must not leave the indicator on forever.
      if (frame.isTyping) {
        typingTimers.set(
          key,
          setTimeout(() => setState((s) => ({ ...s, typing: s.typing.filter((x) => x.name !== name) })), 6_000),
        );
      }
    };
    const onRead = (r: { conversationId: string; ownerReadSeq: number; agentsReadSeq: number }) => {
      if (r.conversationId !== conversationId) return;
      setState((s) =>
        s.conversation
          ? { ...s, conversation: { ...s.conversation, ownerReadSeq: r.ownerReadSeq, agentsReadSeq: r.agentsReadSeq } }
          : s,
      );
    };
    socket.on('typing', onTyping);
    socket.on('conversation:read', onRead);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    socket.on('message:new', onMessage);
    socket.on('conversation:updated', onUpdated);
    socket.on('resync', onResync);
    socket.io.on('reconnect_error', onReconnectError);
    window.addEventListener('offline', onBrowserOffline);
    if (socket.connected) onConnect();
    else if (!socket.active) socket.connect();
    return () => {
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
      socket.off('message:new', onMessage);
      socket.off('conversation:updated', onUpdated);
      socket.off('resync', onResync);
      socket.off('typing', onTyping);
      socket.off('conversation:read', onRead);
      socket.io.off('reconnect_error', onReconnectError);
      window.removeEventListener('offline', onBrowserOffline);
      clearTimeout(backTimer);
      for (const timer of typingTimers.values()) clearTimeout(timer);
    };
  }, [accept, conversationId, flushOutbox, publish, sync, getSocket, options.selfId]);

  const send = useCallback(
    (text: string, extra: { note?: boolean; attachments?: AttachmentView[] } = {}) => {
      const item: OutboxItem = {
        clientMsgId: newId(),
        text,
        createdAt: new Date().toISOString(),
        ...(extra.note ? { note: true } : {}),
        ...(extra.attachments?.length ? { attachments: extra.attachments } : {}),
      };
      const items = [...outbox.load(outboxKey), item];
      outbox.save(outboxKey, items);
      setState((s) => ({ ...s, pending: items, error: null }));
      if (getSocket().connected) void deliver(item);
    },
    [conversationId, deliver],
  );

  const leave = useCallback(async () => {
    const r = (await getSocket().timeout(10_000).emitWithAck('conversation:leave', { conversationId })) as Ack<{
      conversation: ConversationView;
    }>;
    if (r.ok) setState((s) => ({ ...s, conversation: r.conversation as C }));
    else setState((s) => ({ ...s, error: r.error.message }));
  }, [conversationId, getSocket]);

  /** Tells the other side how far this viewer has read (the highest contiguous sequence held). */
  const markRead = useCallback(() => {
    if (lastSeq.current > 0) getSocket().emit('conversation:read', { conversationId, seq: lastSeq.current });
  }, [conversationId, getSocket]);

  const setTyping = useCallback(
    (isTyping: boolean, note = false) => {
      getSocket().emit('typing', { conversationId, isTyping, ...(note ? { note: true } : {}) });
    },
    [conversationId, getSocket],
  );

  /** Runs a staff action (join, leave, close) and keeps the answer. */
  const act = useCallback(
    async (event: string) => {
      const r = (await getSocket().timeout(10_000).emitWithAck(event, { conversationId })) as Ack<{ conversation: C }>;
      if (r.ok) setState((s) => ({ ...s, conversation: r.conversation }));
      else setState((s) => ({ ...s, error: r.error.message }));
      return r.ok === true;
    },
    [conversationId, getSocket],
  );

  return {
    ...state,
    lastSeq: () => lastSeq.current,
    send,
    leave,
    markRead,
    setTyping,
    act,
    dismissError: () => setState((s) => ({ ...s, error: null })),
  };
}
