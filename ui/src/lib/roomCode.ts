// Room codes as people type them: the join field formats itself as `XXXX-XXXX` while typing and on paste.

/** Crockford base32, the alphabet room codes use (no I, L, O, U). */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The code's characters in canonical form: upper case, O → 0, I/L → 1, everything else dropped; at most 8. */
export function codeChars(input: string): string {
  let out = "";
  for (const ch of input.toUpperCase()) {
    const c = ch === "O" ? "0" : ch === "I" || ch === "L" ? "1" : ch;
    if (ALPHABET.includes(c)) out += c;
    if (out.length === 8) break;
  }
  return out;
}

/** The code as shown: `7KQ2-M9XD` (a dash after the fourth character once there is a fifth). */
export function formatCode(input: string): string {
  const chars = codeChars(input);
  return chars.length > 4 ? `${chars.slice(0, 4)}-${chars.slice(4)}` : chars;
}

/**
 * Reformats `raw` (what the field holds after an edit) and maps the caret: the caret stays after the same number
 * of code characters.
 */
export function reformat(raw: string, caret: number): { value: string; caret: number } {
  const value = formatCode(raw);
  const before = codeChars(raw.slice(0, caret)).length;
  let seen = 0;
  let at = 0;
  while (at < value.length && seen < before) {
    if (value[at] !== "-") seen += 1;
    at += 1;
  }
  return { value, caret: at };
}
