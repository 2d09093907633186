// Builds the UI into ui/dist (embedded by the Tauri shell) and runs the vitest suite in
// jsdom. The dev server port is fixed because tauri.conf.json's devUrl names it.
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'safari15',
    sourcemap: false,
  },
  test: {
    root,
    environment: 'jsdom',
    include: ['tests/**/*.test.ts'],
  },
});
