import { useEffect, useState } from 'react';
import type { AttachmentLimits } from '../../../src/shared/attachments.js';
import { api } from './api.js';

let loading: Promise<AttachmentLimits | null> | undefined;

/** The admin's attachment rules (public settings), fetched once per page load; null until known. */
export function useAttachmentLimits(): AttachmentLimits | null {
  const [limits, setLimits] = useState<AttachmentLimits | null>(null);
  useEffect(() => {
    let live = true;
    loading ??= api<{ attachments?: AttachmentLimits }>('GET', '/api/settings/public').then(
      (r) => r.attachments ?? null,
      () => {
        loading = undefined;
        return null;
      },
    );
    void loading.then((value) => {
      if (live) setLimits(value);
    });
    return () => {
      live = false;
    };
  }, []);
  return limits;
}
