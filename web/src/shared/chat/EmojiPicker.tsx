import { useEffect, useRef, useState } from 'react';
import { EMOJI_CATEGORIES } from './emoji-data.js';

/**
 * A small, keyboard-usable emoji picker (loaded lazily by the composer): search by name, categories, Escape closes.
 */
export default function EmojiPicker(props: { onPick: (emoji: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const search = useRef<HTMLInputElement>(null);
  useEffect(() => search.current?.focus(), []);
  const q = query.trim().toLowerCase();
  const categories = EMOJI_CATEGORIES.map((c) => ({
    ...c,
    emoji: c.emoji.filter(([, name]) => !q || name.includes(q)),
  })).filter((c) => c.emoji.length > 0);
  return (
    <div
      className="sc-emoji-picker card shadow"
      role="dialog"
      aria-label="Emoji"
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          props.onClose();
        }
      }}
    >
      <div className="card-body p-2">
        <label htmlFor="emoji-search" className="visually-hidden">
          Search emoji
        </label>
        <input
          ref={search}
          id="emoji-search"
          type="search"
          className="form-control form-control-sm mb-2"
          placeholder="Search emoji"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <div className="sc-emoji-scroll">
          {categories.map((c) => (
            <section key={c.name} aria-label={c.name}>
              <h3 className="sc-emoji-heading">{c.name}</h3>
              <div className="sc-emoji-grid">
                {c.emoji.map(([emoji, name]) => (
                  <button
                    key={emoji}
                    type="button"
                    className="sc-emoji"
                    title={name}
                    aria-label={name}
                    onClick={() => props.onPick(emoji)}
                  >
                    {emoji}
                  </button>
                ))}
              </div>
            </section>
          ))}
          {categories.length === 0 && <p className="small text-body-secondary mb-0">No emoji match.</p>}
        </div>
      </div>
    </div>
  );
}
