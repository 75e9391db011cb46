/** Desk alerts: a short tone (Web Audio, no file to load), desktop notifications, and remembered preferences. */
export interface AlertPrefs {
  soundNewConversation: boolean;
  soundNewMessage: boolean;
  desktop: boolean;
}

const KEY = 'sc-desk-alerts';
const DEFAULTS: AlertPrefs = { soundNewConversation: true, soundNewMessage: true, desktop: false };

export function loadPrefs(): AlertPrefs {
  try {
    return { ...DEFAULTS, ...(JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<AlertPrefs>) };
  } catch {
    return DEFAULTS;
  }
}

export function savePrefs(prefs: AlertPrefs): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs));
  } catch {
    // not fatal
  }
}

export { chime } from '../../shared/chime.js';

export function desktopNotify(title: string, body: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || document.hasFocus()) return;
  try {
    new Notification(title, { body, tag: title });
  } catch {
    // Some browsers only allow notifications from a service worker; the sound and badge remain.
  }
}

export async function askDesktopPermission(): Promise<boolean> {
  if (typeof Notification === 'undefined') return false;
  return (await Notification.requestPermission()) === 'granted';
}
