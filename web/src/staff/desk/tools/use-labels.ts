import { useEffect, useState } from 'react';
import type { LabelView } from '../../../../../src/shared/desk-tools.js';
import { api } from '../../../shared/api.js';
import { staffSocket } from '../staff-socket.js';

let cached: Promise<LabelView[]> | undefined;
const load = () => (cached ??= api<{ labels: LabelView[] }>('GET', '/api/staff/labels').then((r) => r.labels));

/** Every label (admin-managed), shared by every picker on the page and reloaded when an admin changes the list. */
export function useLabels(): LabelView[] {
  const [labels, setLabels] = useState<LabelView[]>([]);
  useEffect(() => {
    let alive = true;
    const refresh = () =>
      load().then(
        (l) => alive && setLabels(l),
        () => (cached = undefined),
      );
    void refresh();
    const socket = staffSocket();
    const onChange = () => {
      cached = undefined;
      void refresh();
    };
    socket.on('labels:updated', onChange);
    return () => {
      alive = false;
      socket.off('labels:updated', onChange);
    };
  }, []);
  return labels;
}
