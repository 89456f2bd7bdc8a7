import { defineConfig } from 'vitest/config';

// The server serves the build at '/', with the API under /api on the same origin.
// `npm run dev` proxies /api to a running Loom server (LOOM_URL, default http://127.0.0.1:8080).
const apiTarget = process.env['LOOM_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/',
  build: {
    outDir: '../functions/Loom.Server/wwwroot',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    proxy: { '/api': { target: apiTarget, changeOrigin: true } },
  },
  preview: {
    proxy: { '/api': { target: apiTarget, changeOrigin: true } },
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
