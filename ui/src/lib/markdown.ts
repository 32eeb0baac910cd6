// Card descriptions and comments: Markdown rendered with `marked`, then sanitised with DOMPurify. Links never
// navigate the web view (their target is stripped; a click goes through lib/links, which shows the address and
// opens it in the browser); images are dropped (the CSP blocks remote ones). Task lists (`- [ ]`, `- [x]`) render as checkboxes: tickable in a description's preview
// (`toggleTask` rewrites the source), read-only elsewhere.

import { marked } from "marked";
import DOMPurify from "dompurify";

let hooked = false;

/** A task list item's marker in Markdown source: `- [ ] `, `* [x] `, `1. [X] `… (the box is group 2). */
const TASK = /^(\s*(?:[-*+]|\d+[.)])\s+\[)([ xX])(\])/gm;

function hook(): void {
  if (hooked) return;
  DOMPurify.addHook("afterSanitizeAttributes", (node) => {
    if (node.tagName === "A") {
      node.removeAttribute("target");
      node.setAttribute("rel", "noreferrer noopener");
      const href = node.getAttribute("href");
      if (href) node.setAttribute("title", href);
    }
  });
  // The only input kept is a task list's checkbox, and only its checked state.
  DOMPurify.addHook("uponSanitizeElement", (node, data) => {
    if (data.tagName === "input" && (node as Element).getAttribute?.("type") !== "checkbox") node.parentNode?.removeChild(node);
  });
  hooked = true;
}

/**
 * `source` as safe HTML. With `tasks`, task list checkboxes are live and carry their order (`data-task`), for
 * `toggleTask`, and a focus key (`keepFocus`: a box ticked from the keyboard keeps the focus as the preview is drawn
 * anew with the new description); otherwise they are disabled.
 */
export function renderMarkdown(source: string, options: { tasks?: boolean } = {}): string {
  hook();
  const html = marked.parse(source, { async: false, gfm: true, breaks: true }) as string;
  const clean = DOMPurify.sanitize(html, {
    ADD_TAGS: ["input"],
    ADD_ATTR: ["checked", "type"],
    FORBID_TAGS: ["img", "style", "form", "button", "iframe", "video", "audio", "source", "picture", "select", "textarea"],
    FORBID_ATTR: ["style", "target", "name", "value", "form", "formaction"],
  });
  let n = 0;
  return clean.replace(/<input\b[^>]*>/g, (tag) => {
    const checked = /\schecked\b/.test(tag) ? " checked" : "";
    return options.tasks
      ? `<input type="checkbox" class="task" data-task="${n}" data-focus-key="task-${n++}"${checked} aria-label="Task">`
      : `<input type="checkbox" class="task" disabled${checked}>`;
  });
}

/** `source` with its `index`-th task list box ticked or unticked (unchanged if there is no such task). */
export function toggleTask(source: string, index: number): string {
  let n = 0;
  return source.replace(TASK, (whole, open: string, box: string, close: string) =>
    n++ === index ? `${open}${box === " " ? "x" : " "}${close}` : whole,
  );
}
