// Card descriptions: Markdown rendered with `marked`, then sanitised with DOMPurify. Links never navigate the web
// view (their target is stripped and the preview swallows clicks); images are dropped (the CSP blocks remote ones).

import { marked } from "marked";
import DOMPurify from "dompurify";

let hooked = false;

export function renderMarkdown(source: string): string {
  if (!hooked) {
    DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A") {
        node.removeAttribute("target");
        node.setAttribute("rel", "noreferrer noopener");
        const href = node.getAttribute("href");
        if (href) node.setAttribute("title", href);
      }
    });
    hooked = true;
  }
  const html = marked.parse(source, { async: false, gfm: true, breaks: true }) as string;
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ["img", "style", "form", "input", "button", "iframe", "video", "audio", "source", "picture"],
    FORBID_ATTR: ["style", "target"],
  });
}
