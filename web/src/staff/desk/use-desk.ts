import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeskConversationItem, DeskCounters, QueueItem, QueueSnapshot } from '../../../../src/shared/desk.js';
import { api } from '../../shared/api.js';
import { chime, desktopNotify, type AlertPrefs } from './notifications.js';
import { staffSocket } from './staff-socket.js';

/**
 * The desk's live lists: the queue (pushed on every change), counters, my conversations and all active ones.
 * A conversation appearing in the queue plays the "new conversation" alert.
 */
export function useDesk(prefs: AlertPrefs) {
  const [queue, setQueue] = useState<QueueItem[]>([]);
  const [counters, setCounters] = useState<DeskCounters>({ waiting: 0, active: 0, mine: 0 });
  const [mine, setMine] = useState<DeskConversationItem[]>([]);
  const [active, setActive] = useState<DeskConversationItem[]>([]);
  const [connected, setConnected] = useState(false);
  const known = useRef<Set<string> | null>(null);
  const prefsRef = useRef(prefs);
  prefsRef.current = prefs;

  const refreshLists = useCallback(async () => {
    const [m, a, q] = await Promise.all([
      api<{ conversations: DeskConversationItem[] }>('GET', '/api/staff/conversations?scope=mine'),
      api<{ conversations: DeskConversationItem[] }>('GET', '/api/staff/conversations?scope=active'),
      api<{ queue: QueueItem[]; counters: DeskCounters }>('GET', '/api/staff/queue'),
    ]);
    setMine(m.conversations);
    setActive(a.conversations);
    setCounters(q.counters);
  }, []);

  useEffect(() => {
    const socket = staffSocket();
    const onQueue = (snapshot: QueueSnapshot) => {
      const ids = new Set(snapshot.queue.map((q) => q.id));
      if (known.current) {
        const fresh = snapshot.queue.filter((q) => !known.current!.has(q.id));
        if (fresh.length > 0) {
          if (prefsRef.current.soundNewConversation) chime(true);
          if (prefsRef.current.desktop)
            desktopNotify('New conversation waiting', `${fresh[0]!.displayName}: ${fresh[0]!.firstWords}`);
        }
      }
      known.current = ids;
      setQueue(snapshot.queue);
      setCounters((c) => ({ ...c, ...snapshot.counters }));
      void refreshLists();
    };
    const onConnect = () => {
      setConnected(true);
      void refreshLists();
    };
    const onDisconnect = () => setConnected(false);
    socket.on('queue:updated', onQueue);
    socket.on('connect', onConnect);
    socket.on('disconnect', onDisconnect);
    if (socket.connected) onConnect();
    return () => {
      socket.off('queue:updated', onQueue);
      socket.off('connect', onConnect);
      socket.off('disconnect', onDisconnect);
    };
  }, [refreshLists]);

  return { queue, counters, mine, active, connected, refreshLists };
}
