// `@Name` mentions in comments: finding the name being typed (for the picker), the members a comment names, and
// marking the mentions in rendered Markdown. A mention is `@` followed by a member's whole name, so names with
// spaces work; the longest name wins where one name starts another.

import type { Member } from "../bindings";

/** The `@…` being typed just before the caret: where its `@` is and what follows it so far. */
export interface MentionQuery {
  start: number;
  query: string;
}

/** The mention being typed at `caret` in `text`, if the caret ends one (`@` at the start or after a space). */
export function mentionAt(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)@([^\s@]{0,40})$/u.exec(before);
  if (!match) return null;
  return { start: caret - match[2].length - 1, query: match[2] };
}

/** Members whose name (or a word of it) starts with `query`, best first, at most `max`. */
export function candidates(members: readonly Member[], query: string, max = 6): Member[] {
  const q = query.toLocaleLowerCase();
  const scored: [number, Member][] = [];
  for (const m of members) {
    const name = m.name.toLocaleLowerCase();
    if (name.startsWith(q)) scored.push([0, m]);
    else if (name.split(/\s+/u).some((word) => word.startsWith(q))) scored.push([1, m]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1].name.localeCompare(b[1].name));
  return scored.slice(0, max).map(([, m]) => m);
}

/** `text` with the mention being typed replaced by the member's whole name and a space; and the new caret. */
export function complete(text: string, at: MentionQuery, member: Member): { text: string; caret: number } {
  const end = at.start + 1 + at.query.length;
  const inserted = `@${member.name} `;
  return { text: text.slice(0, at.start) + inserted + text.slice(end), caret: at.start + inserted.length };
}

/** Names to look for, longest first, so "@Ann Lee" is one mention, not "@Ann" and some text. */
function byLength(members: readonly Member[]): Member[] {
  return [...members].sort((a, b) => b.name.length - a.name.length);
}

/** Whether `text` has `@name` at `i` (the `@`), ending at a word boundary. */
function mentionsAt(text: string, i: number, name: string): boolean {
  if (text[i] !== "@" || (i > 0 && !/\s|[(\[]/u.test(text[i - 1]))) return false;
  const candidate = text.slice(i + 1, i + 1 + name.length);
  if (candidate.toLocaleLowerCase() !== name.toLocaleLowerCase()) return false;
  const after = text[i + 1 + name.length];
  return after === undefined || !/[\p{L}\p{N}_]/u.test(after);
}

/** The members `text` mentions. */
export function mentioned(text: string, members: readonly Member[]): Member[] {
  const found = new Set<Member>();
  const names = byLength(members);
  for (let i = text.indexOf("@"); i >= 0; i = text.indexOf("@", i + 1)) {
    const m = names.find((n) => mentionsAt(text, i, n.name));
    if (m) found.add(m);
  }
  return [...found];
}

/**
 * Wraps every `@Name` of a member in the rendered comment `root` in `<span class="mention">` (outside code and
 * links); `me` gets `mention me` too.
 */
export function markMentions(root: HTMLElement, members: readonly Member[], me: string): void {
  const names = byLength(members);
  if (!names.length) return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!(node.parentElement?.closest("code, pre, a, .mention"))) texts.push(node as Text);
  }
  for (const node of texts) {
    let text = node;
    for (let i = text.data.indexOf("@"); i >= 0; i = text.data.indexOf("@", i + 1)) {
      const m = names.find((n) => mentionsAt(text.data, i, n.name));
      if (!m) continue;
      const rest = text.splitText(i);
      const after = rest.splitText(m.name.length + 1);
      const span = document.createElement("span");
      span.className = m.id === me ? "mention me" : "mention";
      span.title = m.name;
      rest.replaceWith(span);
      span.append(rest);
      text = after;
      i = -1;
    }
  }
}
