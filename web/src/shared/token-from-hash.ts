/** Reads `#token=…` from the address (links in e-mails carry tokens in the fragment, which servers never see). */
export function tokenFromHash(): string | undefined {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]{20,200})/.exec(window.location.hash);
  return match?.[1];
}

/** Removes the token from the address bar once read, so it does not linger in history. */
export function clearHash(): void {
  history.replaceState(null, '', window.location.pathname + window.location.search);
}
