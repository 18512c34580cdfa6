/// <reference types="vitest" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API the dev server (`npm run dev`) and `vite preview` forward /api to: the service that
// scripts/run.sh starts, unless TIKET_API_URL says otherwise.
const api = process.env.TIKET_API_URL ?? 'http://127.0.0.1:8080';
const proxy = {
  '/api': { target: api, changeOrigin: false },
  '/.well-known': { target: api, changeOrigin: false },
};

export default defineConfig({
  plugins: [react()],
  server: { proxy, port: 5173, strictPort: false },
  preview: { proxy },
  build: {
    // The size check (scripts/check-size.mjs) reads the manifest to find what the concert list loads.
    manifest: true,
    target: 'es2022',
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
