// Imported by the service worker that vite-plugin-pwa generates (vite.config.ts:
// workbox.importScripts). Two things the generated worker does not do:

// 1. The API, the live stream and /mcp go straight to the network, never through the worker
//    (the Service Worker Static Routing API, where the browser has it): no worker start-up in
//    front of a request, and nothing of the API is ever cached or queued.
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

// 2. A reminder's notification buttons (src/features/live/Live.tsx shows it with
//    `showNotification`): Snooze 10 min and Complete are sent from here, with the session
//    cookie, even when no TaskFlow window is open; a click on the notification itself (or a
//    failed action) brings a window forward with the task open.
self.addEventListener('notificationclick', (event) => {
  const data = (event.notification && event.notification.data) || {};
  if (!data.taskId) return;
  event.notification.close();
  const post = (path, body) =>
    fetch(`/api/v1/tasks/${data.taskId}${path}`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((response) => response.ok);
  const open = async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const client = windows[0];
    if (client) {
      await client.focus();
      client.postMessage({ type: 'taskflow:open-task', taskId: data.taskId });
    } else {
      await self.clients.openWindow(`/?task=${encodeURIComponent(data.taskId)}`);
    }
  };
  event.waitUntil(
    (async () => {
      let done = false;
      try {
        if (event.action === 'snooze') done = await post('/reminders/snooze', { minutes: 10 });
        else if (event.action === 'complete') done = await post('/complete');
      } catch {
        done = false;
      }
      if (!done) await open();
    })(),
  );
});
