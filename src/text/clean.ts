/**
 * What user text goes through before anything uses it. A NUL byte cut espeak-ng's narration short
 * and invisible-only stories "completed" with nothing said, so control characters go (tab and
 * newline stay, CR becomes LF), and so do bidi overrides, which would flip a caption's letters.
 */
const CONTROL = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/gu;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

export function stripControlCharacters(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(CONTROL, (c) => (c === '\n' || c === '\t' ? c : ''));
}

/** True when the text holds something a person can see or hear: a letter, digit, punctuation or symbol. */
export function hasVisibleText(text: string): boolean {
  return VISIBLE.test(text);
}
