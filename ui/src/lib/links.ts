// Links in rendered Markdown (a description's preview, comments): a click never navigates the window; it shows the
// address and, if the person chooses, opens it in their browser or mail app (command `open_link`, web and mail
// links only).

import { commands } from "../bindings";
import { ask } from "./confirm.svelte";
import { toastError } from "./toasts.svelte";

/** Handles a click inside rendered Markdown: true if it was on a link (and the click is taken). */
export function followLink(e: MouseEvent): boolean {
  const link = (e.target as HTMLElement).closest<HTMLAnchorElement>("a[href]");
  if (!link) return false;
  e.preventDefault();
  const url = link.getAttribute("href") ?? "";
  void (async () => {
    const web = /^(https?:|mailto:)/i.test(url);
    const ok = await ask({
      title: web ? "Open this link?" : "This link can't be opened",
      message: web ? `It opens in your browser: ${url}` : `Only web and mail links open from Lanban: ${url}`,
      confirmLabel: web ? "Open link" : "OK",
    });
    if (!ok || !web) return;
    const opened = await commands.openLink(url);
    if (opened.status === "error") toastError(opened.error);
  })();
  return true;
}
