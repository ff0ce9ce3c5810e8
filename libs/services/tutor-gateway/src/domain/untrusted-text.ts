/**
 * Text that came from outside (the learner's code, what their program printed or returned, an
 * LLM's earlier hints) goes into a prompt only through these helpers: control characters out,
 * length capped, and wrapped in data markers that the text itself can never contain.
 */

export const DATA_OPEN = '⟦data⟧';
export const DATA_CLOSE = '⟦/data⟧';

/**
 * C0 and C1 controls (except tab and newline), zero-width and bidirectional-override characters:
 * invisible to a reader, so able to hide instructions or reorder what a reviewer sees.
 */
function isStripped(code: number): boolean {
  if (code === 0x09 || code === 0x0a) return false;
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/** Normalises line ends and removes the characters `isStripped` names. */
export function stripControlCharacters(text: string): string {
  let out = '';
  for (const ch of text.replace(/\r\n?/g, '\n')) {
    const code = ch.codePointAt(0) ?? 0;
    if (!isStripped(code)) out += ch;
  }
  return out;
}

/** Keeps the first `max` characters and says how many were cut. */
export function capLength(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = safeEnd(text, max);
  return `${text.slice(0, head)}… [${text.length - head} more characters cut]`;
}

function trimMarker(removed: number, afterNewline = false): string {
  return `${afterNewline ? '' : '\n'}… [${removed} characters trimmed from the middle] …\n`;
}

/**
 * Shortens `text` to at most `maxChars` by cutting out its middle (three fifths of what is kept
 * from the head, the rest from the tail, both snapped to line boundaries when one is near) and
 * putting a marker in its place. Deterministic: the same text and limit give the same result.
 */
export function trimMiddle(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const longestMarker = trimMarker(text.length).length;
  if (maxChars <= longestMarker) return text.slice(0, safeEnd(text, Math.max(0, maxChars)));
  const keep = maxChars - longestMarker;
  let head = Math.ceil((keep * 3) / 5);
  let tailStart = text.length - (keep - head);
  const newline = text.lastIndexOf('\n', head - 1);
  if (newline >= 0 && newline + 1 >= head * 0.7) head = newline + 1;
  const tailNewline = text.indexOf('\n', tailStart);
  if (tailNewline >= 0 && tailNewline + 1 - tailStart <= (text.length - tailStart) * 0.3) {
    tailStart = tailNewline + 1;
  }
  head = safeEnd(text, head);
  tailStart = safeStart(text, tailStart);
  const kept = text.slice(0, head);
  return kept + trimMarker(tailStart - head, kept.endsWith('\n')) + text.slice(tailStart);
}

/** An end index that does not split a surrogate pair. */
function safeEnd(text: string, end: number): number {
  const code = text.charCodeAt(end - 1);
  return end > 0 && code >= 0xd800 && code <= 0xdbff ? end - 1 : end;
}

/** A start index that does not split a surrogate pair. */
function safeStart(text: string, start: number): number {
  const code = text.charCodeAt(start);
  return code >= 0xdc00 && code <= 0xdfff ? start + 1 : start;
}

/** Untrusted text made safe to quote: no controls, no data markers of its own, capped. */
export function untrusted(text: string, max: number): string {
  return capLength(stripControlCharacters(text).replace(/⟦/g, '[').replace(/⟧/g, ']'), max);
}

/** A data block on its own lines (for code and other long text). */
export function dataBlock(text: string): string {
  return `${DATA_OPEN}\n${text}${text.endsWith('\n') ? '' : '\n'}${DATA_CLOSE}`;
}

/** A data block inside a line (for a value such as a program's result). */
export function inlineData(text: string): string {
  return `${DATA_OPEN}${text}${DATA_CLOSE}`;
}
