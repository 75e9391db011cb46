/**
 * The browser tab tells an agent who is waiting without looking: the title ("(2) 3 waiting · Desk · …") and a
 * favicon drawn with the waiting count (a canvas PNG as a data: URL, which the CSP's img-src allows).
 */
export function deskTitle(unread: number, waiting: number, serviceName: string): string {
  return `${unread > 0 ? `(${unread}) ` : ''}${waiting > 0 ? `${waiting} waiting · ` : ''}Desk · ${serviceName}`;
}

let lastDrawn: number | undefined;

export function setWaitingFavicon(waiting: number): void {
  if (lastDrawn === waiting) return;
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.appendChild(link);
  }
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 32;
  const g = canvas.getContext('2d');
  if (!g) return;
  lastDrawn = waiting;
  // A speech bubble in the brand blue…
  g.fillStyle = '#0d6efd';
  g.beginPath();
  g.roundRect(2, 4, 24, 18, 5);
  g.fill();
  g.beginPath();
  g.moveTo(8, 21);
  g.lineTo(6, 28);
  g.lineTo(14, 21);
  g.fill();
  // …with a red count of waiting conversations.
  if (waiting > 0) {
    g.fillStyle = '#dc3545';
    g.beginPath();
    g.arc(23, 10, 9, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#fff';
    g.font = 'bold 12px sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(waiting > 9 ? '9+' : String(waiting), 23, 10.5);
  }
  link.href = canvas.toDataURL('image/png');
  link.dataset.waiting = String(waiting);
}
