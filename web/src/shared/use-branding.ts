import { useEffect, useState } from 'react';
import { api } from './api.js';

export interface Branding {
  serviceName: string;
  agentTitle: string;
  /** The start form requires an e-mail address while support is closed. */
  emailRequiredWhileClosed: boolean;
}

const fallback: Branding = { serviceName: 'Support Central', agentTitle: 'Support', emailRequiredWhileClosed: false };

/** Service name, agent title and the start form's rules from the admin's settings. */
export function useBranding(): Branding {
  const [branding, setBranding] = useState<Branding>(fallback);
  useEffect(() => {
    let live = true;
    api<Branding>('GET', '/api/settings/public').then(
      (b) => {
        if (!live) return;
        setBranding(b);
        document.title = b.serviceName;
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  return branding;
}
