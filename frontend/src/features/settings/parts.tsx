import { useId, useState, type ReactNode } from 'react';

export function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  const id = useId();
  return (
    <section aria-labelledby={id} data-testid={testId} className="space-y-3 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
      <h3 id={id} className="text-lg font-semibold">{title}</h3>
      {children}
    </section>
  );
}

/** Something shown once (a token, a feed address) with a Copy button. */
export function CopyBox({ label, text, multiline = false }: { label: string; text: string; multiline?: boolean }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  return (
    <div>
      <label htmlFor={id} className="label">{label}</label>
      <div className="flex items-start gap-2">
        {multiline ? (
          <textarea id={id} readOnly className="input min-h-[7rem] font-mono text-xs" value={text} onFocus={(e) => e.currentTarget.select()} />
        ) : (
          <input id={id} readOnly className="input font-mono text-xs" value={text} onFocus={(e) => e.currentTarget.select()} />
        )}
        <button type="button" className="btn" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}

export function Result({ tone = 'info', children }: { tone?: 'info' | 'error'; children: ReactNode }) {
  return (
    <p role={tone === 'error' ? 'alert' : 'status'} className={`text-sm ${tone === 'error' ? 'text-red-700 dark:text-red-400' : 'text-green-800 dark:text-green-300'}`}>
      {children}
    </p>
  );
}
