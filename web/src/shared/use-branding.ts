import { useEffect, useState } from 'react';
import { api } from './api.js';

export interface Branding {
  serviceName: string;
  agentTitle: string;
  /** The start form requires an e-mail address while support is closed. */
  emailRequiredWhileClosed: boolean;
  /** The server can send e-mail: offer what depends on it (transcripts, reply e-mails), and only then. */
  mailConfigured: boolean;
}

const fallback: Branding = {
  serviceName: 'Support Central',
  agentTitle: 'Support',
  emailRequiredWhileClosed: false,
  mailConfigured: false,
};

let loading: Promise<Branding | null> | undefined;

/**
 * Service name, agent title, the start form's rules and whether mail works, from the public settings (fetched once
 * per page load, shared by every caller). Until they arrive: the defaults, with mail off (never promise it).
 */
export function useBranding(): Branding {
  const [branding, setBranding] = useState<Branding>(fallback);
  useEffect(() => {
    let live = true;
    loading ??= api<Branding>('GET', '/api/settings/public').then(
      (b) => b,
      () => {
        loading = undefined;
        return null;
      },
    );
    void loading.then((b) => {
      if (!live || !b) return;
      setBranding(b);
      document.title = b.serviceName;
    });
    return () => {
      live = false;
    };
  }, []);
  return branding;
}
