// Vite configuration for the Kubilitics web UI.
// `npm run build` writes ui/dist, which the server embeds (or serves with --ui-dir).
// `npm run dev` proxies /api to a running server named by KUBILITICS_URL.
import { defineConfig } from "vite";

const target = process.env.KUBILITICS_URL;

export default defineConfig({
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  server: target
    ? { proxy: { "/api": { target, ws: true, changeOrigin: true } } }
    : {},
});
