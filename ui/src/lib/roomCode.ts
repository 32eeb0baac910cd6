// Room codes as people type them: the join field formats itself as `XXXX-XXXX-XXXX` while typing and on paste
// (codes of boards made before codes grew have 8 characters, `XXXX-XXXX`, and still work).

/** Crockford base32, the alphabet room codes use (no I, L, O, U). */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Characters in a code (12; an older code has 8). */
export const CODE_LENGTH = 12;

/** The code's characters in canonical form: upper case, O → 0, I/L → 1, everything else dropped; at most 12. */
export function codeChars(input: string): string {
  let out = "";
  for (const ch of input.toUpperCase()) {
    const c = ch === "O" ? "0" : ch === "I" || ch === "L" ? "1" : ch;
    if (ALPHABET.includes(c)) out += c;
    if (out.length === CODE_LENGTH) break;
  }
  return out;
}

/** The code as shown: `7KQ2-M9XD-4HRT` (a dash after every fourth character once another follows). */
export function formatCode(input: string): string {
  const chars = codeChars(input);
  return (chars.match(/.{1,4}/g) ?? []).join("-");
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
