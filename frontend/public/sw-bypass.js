// Imported by the service worker (vite.config.ts: workbox.importScripts). The API and the live
// stream go straight to the network, never through the worker (the Service Worker Static
// Routing API, where the browser has it): no worker start-up in front of a request, and nothing
// of the API is ever cached or queued.
self.addEventListener('install', (event) => {
  if (typeof event.addRoutes !== 'function' || typeof URLPattern === 'undefined') return;
  event.waitUntil(
    event
      .addRoutes([
        { condition: { urlPattern: new URLPattern({ pathname: '/api/*' }) }, source: 'network' },
        { condition: { urlPattern: new URLPattern({ pathname: '/mcp' }) }, source: 'network' },
      ])
      .catch(() => {}),
  );
});
