import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// Builds the renderer into out/renderer. `base: './'` keeps every asset URL relative so
// the same build is served by the app:// protocol (Electron) and by the dev host (HTTP).
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./out/renderer', import.meta.url)),
    emptyOutDir: true,
    // xterm alone is ~550 kB; one chunk is fine for a local app.
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
});
