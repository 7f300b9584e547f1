import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

export interface ToastInput {
  message: string;
  title?: string;
  tone?: 'info' | 'error' | 'reminder';
  action?: { label: string; run: () => void };
  /** ms; 0 keeps it until dismissed */
  duration?: number;
  /** a toast with the same key replaces this one; `dismissToast(key)` removes it */
  key?: string;
  /** more actions (e.g. a reminder's Snooze / Complete / Open) */
  actions?: { label: string; run: () => void }[];
}
interface Toast extends ToastInput {
  id: number;
}

const ToastContext = createContext<(toast: ToastInput) => void>(() => {});

export function useToast(): (toast: ToastInput) => void {
  return useContext(ToastContext);
}

let dismissByKey: (key: string) => void = () => {};
/** Remove the toast shown with this key, if it is still there (e.g. "Deleted … Undo" once restored). */
export function dismissToast(key: string): void {
  dismissByKey(key);
}

const tones = {
  info: 'border-slate-300 dark:border-slate-600',
  error: 'border-red-500',
  reminder: 'border-amber-500',
};

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  dismissByKey = (key: string) => setToasts((all) => all.filter((t) => t.key !== key));
  const show = useCallback(
    (input: ToastInput) => {
      const id = next.current++;
      setToasts((all) => [...all.filter((t) => !input.key || t.key !== input.key).slice(-3), { ...input, id }]);
      const duration = input.duration ?? (input.action ? 8000 : 5000);
      if (duration > 0) setTimeout(() => dismiss(id), duration);
    },
    [dismiss],
  );
  const value = useMemo(() => show, [show]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div
        aria-live="polite"
        role="status"
        className="toasts pointer-events-none fixed inset-x-0 bottom-0 z-50 flex flex-col items-center gap-2 p-4 sm:items-end"
      >
        {toasts.map((t) => {
          const button = (action: { label: string; run: () => void }) => (
            <button
              key={action.label}
              type="button"
              className="rounded px-2 py-1 text-sm font-semibold text-blue-700 hover:bg-blue-50 dark:text-blue-300 dark:hover:bg-slate-700"
              onClick={() => {
                action.run();
                dismiss(t.id);
              }}
            >
              {action.label}
            </button>
          );
          return (
            <div
              key={t.id}
              data-testid={`toast-${t.tone ?? 'info'}`}
              className={`pointer-events-auto w-full max-w-sm rounded-lg border-l-4 bg-white p-3 shadow-lg dark:bg-slate-800 ${tones[t.tone ?? 'info']}`}
            >
              <div className="flex items-start gap-3">
                <div className="min-w-0 flex-1 text-sm">
                  {t.title && <p className="font-semibold">{t.title}</p>}
                  <p className="break-words">{t.message}</p>
                </div>
                {t.action && button(t.action)}
                <button
                  type="button"
                  aria-label="Dismiss"
                  className="rounded px-1 text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-white"
                  onClick={() => dismiss(t.id)}
                >
                  ×
                </button>
              </div>
              {t.actions && t.actions.length > 0 && <div className="-ml-2 mt-1 flex flex-wrap gap-x-1">{t.actions.map(button)}</div>}
            </div>
          );
        })}
      </div>
    </ToastContext.Provider>
  );
}
