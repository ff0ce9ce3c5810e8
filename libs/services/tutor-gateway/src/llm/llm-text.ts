/**
 * Characters an LLM's (untrusted) text may not carry to a learner's screen or our logs: C0
 * controls but tab and newline (a lone carriage return rewrites a terminal line), DEL, C1
 * controls, and the bidirectional overrides and isolates that make text display other than it
 * reads ("trojan source").
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function stripUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE, '');
}

/**
 * Appends deltas to a text of at most `maxChars` characters: what fits of each delta is returned,
 * the rest dropped, and `full` says the cap was reached. A cut never splits a surrogate pair.
 */
export class CappedText {
  private text = '';
  private reachedCap = false;

  constructor(private readonly maxChars: number) {}

  get value(): string {
    return this.text;
  }

  get full(): boolean {
    return this.reachedCap;
  }

  /** The part of `delta` (already stripped) that fits. */
  append(delta: string): string {
    const room = this.maxChars - this.text.length;
    let accepted = delta;
    if (delta.length > room) {
      this.reachedCap = true;
      accepted = delta.slice(0, room);
      const last = accepted.charCodeAt(accepted.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) accepted = accepted.slice(0, -1);
    }
    this.text += accepted;
    return accepted;
  }
}
