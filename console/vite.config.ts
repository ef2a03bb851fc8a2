import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';
import { fileURLToPath } from 'node:url';

// The console is served by FlowLink itself under /console/ (src/http/console.routes.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react(), tailwindcss()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 400,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev:console`: the dev server proxies the API to a FlowLink on :8080.
    proxy: { '/api': { target: process.env.FLOWLINK_URL ?? 'http://127.0.0.1:8080', changeOrigin: false } },
  },
});
