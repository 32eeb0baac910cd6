/// <reference types="vitest/config" />
// Vite builds the web view (served to the Tauri window in development, bundled into the app for release);
// Vitest runs the unit tests in plain Node (a test that needs a DOM says `@vitest-environment happy-dom`).
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig({
  plugins: [svelte()],
  // Tauri loads `devUrl` (tauri.conf.json) in development: the port must be exactly this one.
  server: { port: 5173, strictPort: true },
  clearScreen: false,
  build: {
    // WebKitGTK on Linux and WKWebView on macOS are Safari-class engines.
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
