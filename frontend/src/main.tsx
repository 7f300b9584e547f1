import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { App } from './App';
import { installSessionHandler } from './features/auth';
import { firstScreenReady } from './firstScreen';
import { ErrorBoundary } from './lib/ErrorBoundary';
import { OfflineBanner } from './lib/offline';
import { ToastProvider } from './lib/toast';
import { createQueryClient } from './queryClient';
import './index.css';

const client = createQueryClient();
installSessionHandler(client);

// Rendering once the first screen's data is in paints the list in one go (no shell, then
// skeleton, then rows); a slow answer holds the first render back for a moment at most.
void firstScreenReady(client, window.location.pathname).then(() => {
  performance.mark('taskflow:render'); // the e2e run reports it in its first-render breakdown
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <ErrorBoundary>
        <QueryClientProvider client={client}>
          <ToastProvider>
            <OfflineBanner />
            <App />
          </ToastProvider>
        </QueryClientProvider>
      </ErrorBoundary>
    </StrictMode>,
  );
  // The offline app shell (vite-plugin-pwa's worker); after the first render, off its path.
  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    const register = () => void navigator.serviceWorker.register('/sw.js').catch(() => {});
    if (document.readyState === 'complete') setTimeout(register, 0);
    else window.addEventListener('load', register, { once: true });
  }
});
