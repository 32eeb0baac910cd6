// The web view's entry point: mounts the app into the page.
import { mount } from "svelte";
import App from "./App.svelte";
import { commands } from "./bindings";
import { toast } from "./lib/toasts.svelte";
import "./app.css";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element");

// A bug should never fail silently: say so in a toast, and put it in the app's log (the details go to the console).
function report(message: string) {
  toast(`Something went wrong: ${message}`, "error");
  void commands.reportWindowError(message).catch(() => {});
}
window.addEventListener("error", (e) => report(e.message));
window.addEventListener("unhandledrejection", (e) => {
  const reason = e.reason as { message?: unknown } | undefined;
  report(String(reason?.message ?? reason));
});

// Which device the person used last: focus rings show for keyboard use even when a script moved the focus
// (WebKit does not always count that as :focus-visible).
const root = document.documentElement;
window.addEventListener("keydown", () => (root.dataset.input = "keyboard"), true);
window.addEventListener("pointerdown", () => (root.dataset.input = "pointer"), true);

export default mount(App, { target });
