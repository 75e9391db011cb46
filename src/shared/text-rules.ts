/**
 * Message text rules, shared by the server (the authority) and the browser (the same answer before sending).
 * See docs/ARCHITECTURE.md "Text and file rules" for the reasons behind each choice.
 */
import { z } from 'zod';
import { EMOJI_TAG_SEQUENCE, countCodePoints, toWellFormed, utf8Length } from './unicode.js';

export const MESSAGE_MAX_CODE_POINTS = 2000;
export const MESSAGE_MAX_BYTES = 8192;
export const FIRST_MESSAGE_MIN_CODE_POINTS = 10;
export const FIRST_MESSAGE_MAX_CODE_POINTS = 1000;
/** Raw input longer than this (UTF-16 units, the 64 KiB frame cap) is refused before any work is done. */
export const MESSAGE_MAX_INPUT_LENGTH = 65_536;

export type MessageTextErrorCode = 'message_empty' | 'message_too_short' | 'message_too_long' | 'message_too_large';
export type MessageTextResult = { ok: true; text: string } | { ok: false; code: MessageTextErrorCode; message: string };

export interface MessageTextLimits {
  minCodePoints: number;
  maxCodePoints: number;
}

const MESSAGE_LIMITS: MessageTextLimits = { minCodePoints: 1, maxCodePoints: MESSAGE_MAX_CODE_POINTS };
const FIRST_MESSAGE_LIMITS: MessageTextLimits = {
  minCodePoints: FIRST_MESSAGE_MIN_CODE_POINTS,
  maxCodePoints: FIRST_MESSAGE_MAX_CODE_POINTS,
};

const LINE_BREAKS = /\r\n?|[\u2028\u2029]/g;
// Controls other than tab and newline; every bidi control (embeddings, overrides, isolates, LRM/RLM/ALM);
// tag characters, which are invisible and can smuggle hidden text, unless they form an emoji flag sequence.
const REMOVED = new RegExp(
  `(${EMOJI_TAG_SEQUENCE})|(?![\\t\\n])\\p{Cc}|\\p{Bidi_Control}|[\\u{E0000}-\\u{E007F}]`,
  'gu',
);
// A newline followed by three or more blank (whitespace-only) lines.
const EXCESS_BLANK_LINES = /\n(?:[^\S\n]*\n){3,}/g;
// Trimming also takes invisible characters at the edges; not variation selectors or tags, which end emoji.
const EDGES = new RegExp(
  '^[\\s\\p{Default_Ignorable_Code_Point}]+|(?:\\s|(?![\\uFE00-\\uFE0F]|[\\u{E0020}-\\u{E007F}]|[\\u{E0100}-\\u{E01EF}])\\p{Default_Ignorable_Code_Point})+$',
  'gu',
);
const VISIBLE = /[^\s\p{Default_Ignorable_Code_Point}\u2800]/u;

function failure(code: MessageTextErrorCode, limits: MessageTextLimits): MessageTextResult {
  const max = limits.maxCodePoints.toLocaleString('en');
  const messages: Record<MessageTextErrorCode, string> = {
    message_empty: 'Please write a message.',
    message_too_short: `Please write at least ${limits.minCodePoints} characters.`,
    message_too_long: `Messages are limited to ${max} characters.`,
    message_too_large: `This message is too large (at most ${MESSAGE_MAX_BYTES / 1024} KB).`,
  };
  return { ok: false, code, message: messages[code] };
}

/**
 * Cleans a message the one way server and browser agree on, then checks its length:
 * CR/CRLF/U+2028/U+2029 → LF; C0/C1 controls except tab and LF removed; bidi controls (U+202A–U+202E,
 * U+2066–U+2069, LRM, RLM, ALM) removed; stray tag characters removed; NFC; trim (whitespace and invisible
 * characters such as U+200B at either end); more than two consecutive
 * blank lines become two; 1–2000 code points (or the given limits) and at most 8192 UTF-8 bytes.
 * Emoji sequences (ZWJ, variation selectors, skin tones, flags) are kept intact.
 */
export function normalizeMessageText(input: string, limits: MessageTextLimits = MESSAGE_LIMITS): MessageTextResult {
  if (input.length > MESSAGE_MAX_INPUT_LENGTH) return failure('message_too_large', limits);
  const text = toWellFormed(input)
    .replace(LINE_BREAKS, '\n')
    .replace(REMOVED, (_match: string, flag: string | undefined) => flag ?? '')
    .normalize('NFC')
    .replace(EDGES, '')
    .replace(EXCESS_BLANK_LINES, '\n\n\n');
  if (!VISIBLE.test(text)) return failure('message_empty', limits);
  const codePoints = countCodePoints(text);
  if (codePoints < limits.minCodePoints) return failure('message_too_short', limits);
  if (codePoints > limits.maxCodePoints) return failure('message_too_long', limits);
  if (utf8Length(text) > MESSAGE_MAX_BYTES) return failure('message_too_large', limits);
  return { ok: true, text };
}

/** The start form's first message: the same cleaning, 10–1000 code points. */
export function normalizeFirstMessageText(input: string): MessageTextResult {
  return normalizeMessageText(input, FIRST_MESSAGE_LIMITS);
}

/**
 * A zod string that refines and transforms through a `{ok, …}` rule. A failure becomes one custom issue whose
 * message is for people and whose `params.code` is the stable code clients branch on.
 */
export function ruleSchema<T>(
  rule: (input: string) => { ok: true; value: T } | { ok: false; code: string; message: string },
) {
  return z.string().transform((input, ctx) => {
    const result = rule(input);
    if (result.ok) return result.value;
    ctx.addIssue({ code: 'custom', message: result.message, params: { code: result.code } });
    return z.NEVER;
  });
}

function asRule(normalize: (input: string) => MessageTextResult) {
  return (input: string) => {
    const result = normalize(input);
    return result.ok ? { ok: true as const, value: result.text } : result;
  };
}

/** Any message text (chat messages, notes): parses to the normalised text. */
export const messageTextSchema = ruleSchema(asRule((input) => normalizeMessageText(input)));

/** The start form's first message (10–1000 code points): parses to the normalised text. */
export const firstMessageSchema = ruleSchema(asRule(normalizeFirstMessageText));
