// Motion durations that respect the person's "reduce motion" setting (for Svelte transitions, which CSS cannot
// switch off).

export function reducedMotion(): boolean {
  return typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
}

/** `ms`, or 0 when the person asked for reduced motion. */
export function motion(ms: number): number {
  return reducedMotion() ? 0 : ms;
}
