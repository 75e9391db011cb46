import { useEffect, useState } from 'react';
import { io } from 'socket.io-client';
import type { SupportStatusWire } from '../../../src/shared/schedule.schemas.js';
import { api } from '../shared/api.js';

export type SupportStatus = SupportStatusWire;

/** Keeps the newer of two statuses: an HTTP answer may arrive after a fresher socket push. */
function newer(current: SupportStatus | null, next: SupportStatus): SupportStatus {
  return current === null || Date.parse(next.now) >= Date.parse(current.now) ? next : current;
}

/**
 * The support status: fetched once from `GET /api/status`, then kept current by `status` pushes on the
 * public, read-only socket namespace (at each opening and closing, and when the schedule changes).
 */
export function useSupportStatus(): { status: SupportStatus | null; failed: boolean } {
  const [status, setStatus] = useState<SupportStatus | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    api<SupportStatus>('GET', '/api/status').then(
      (s) => {
        if (!live) return;
        setStatus((current) => newer(current, s));
        setFailed(false);
      },
      () => {
        if (live) setFailed(true);
      },
    );
    const socket = io('/public', { transports: ['websocket'] });
    socket.on('status', (s: SupportStatus) => {
      setStatus((current) => newer(current, s));
      setFailed(false);
    });
    return () => {
      live = false;
      socket.close();
    };
  }, []);
  return { status, failed };
}
