import { useEffect, useState } from 'react';

/** Whether the browser says it is online (and when that changes). */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => (typeof navigator === 'undefined' ? true : navigator.onLine !== false));
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

/**
 * Says so while offline. Nothing is queued: a change made now fails with "Could not reach
 * TaskFlow" and keeps what was typed (drafts), so nothing is lost or sent later unseen.
 */
export function OfflineBanner() {
  const online = useOnline();
  if (online) return null;
  return (
    <div role="status" data-testid="offline-banner" className="bg-amber-100 px-3 py-2 text-center text-sm text-amber-950 dark:bg-amber-900 dark:text-amber-50">
      You are offline. What you see may be out of date, and changes cannot be saved until you are back online: TaskFlow does not queue them.
    </div>
  );
}
