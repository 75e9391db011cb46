/** A short two-note chime made with Web Audio (no file to load); `high` for new conversations, lower for messages. */
let audio: AudioContext | undefined;

export function chime(high: boolean): void {
  // Observable by tests and assistive tooling even where audio is unavailable.
  document.documentElement.dataset.lastChime = high ? 'conversation' : 'message';
  document.documentElement.dataset.chimes = String(Number(document.documentElement.dataset.chimes ?? 0) + 1);
  try {
    audio ??= new AudioContext();
    const now = audio.currentTime;
    for (const [i, freq] of (high ? [880, 1320] : [660, 880]).entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, now + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.12 + 0.18);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + i * 0.12);
      osc.stop(now + i * 0.12 + 0.2);
    }
  } catch {
    // No audio device: the page still shows the message.
  }
}
