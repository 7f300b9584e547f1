import { useCallback, useEffect, useState } from 'react';

// Drafts live in sessionStorage so an expired session (back to sign-in) or a reload
// never loses what was typed. Cleared on an explicit sign-out.
const PREFIX = 'taskflow:draft:';

export function readDraft<T>(key: string): T | undefined {
  try {
    const raw = sessionStorage.getItem(PREFIX + key);
    return raw === null ? undefined : (JSON.parse(raw) as T);
  } catch {
    return undefined;
  }
}

export function writeDraft(key: string, value: unknown): void {
  try {
    if (value === undefined || value === null || value === '') sessionStorage.removeItem(PREFIX + key);
    else sessionStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // storage full or disabled: drafts are a convenience
  }
}

export function clearDrafts(): void {
  try {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
  } catch {
    // ignore
  }
}

/** useState that is mirrored into a sessionStorage draft. */
export function useDraft<T>(key: string, initial: T): [T, (value: T) => void, () => void] {
  const [value, setValue] = useState<T>(() => readDraft<T>(key) ?? initial);
  useEffect(() => writeDraft(key, value === initial ? undefined : value), [key, value, initial]);
  const clear = useCallback(() => {
    writeDraft(key, undefined);
    setValue(initial);
  }, [key, initial]);
  return [value, setValue, clear];
}
