/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';

// `npm run dev` proxies the API to a running server (TASKFLOW_API, default :8000).
const api = process.env.TASKFLOW_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [
    react(),
    // The app shell (index.html, scripts, styles, icons) precached by a service worker, so the
    // app opens offline and can be installed. The API is never cached or queued: offline, a
    // change fails and says so (src/lib/offline.tsx). main.tsx registers the worker after the
    // first render, so it costs the first paint nothing.
    VitePWA({
      injectRegister: null,
      registerType: 'autoUpdate',
      includeAssets: ['robots.txt'],
      manifest: {
        name: 'TaskFlow',
        short_name: 'TaskFlow',
        description: 'Your tasks, reminders and repeating chores, with Today, Upcoming and Calendar views.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#1d4ed8',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,png,txt}'],
        navigateFallback: '/index.html',
        navigateFallbackDenylist: [/^\/api\//, /^\/mcp/, /^\/openapi\.json/, /^\/docs/, /^\/redoc/, /^\/health/, /^\/metrics/],
        runtimeCaching: [],
        importScripts: ['/sw-extra.js'],
        // One service-worker file with a fixed name: the edge serves only named paths.
        inlineWorkboxRuntime: true,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  server: {
    proxy: {
      '/api': { target: api, changeOrigin: false },
      '/openapi.json': api,
    },
  },
  build: { outDir: 'dist', sourcemap: false, target: 'es2020' },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
