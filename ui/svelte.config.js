// Svelte compiler options shared by Vite and svelte-check: every component uses runes.
export default {
  compilerOptions: { runes: true },
};
