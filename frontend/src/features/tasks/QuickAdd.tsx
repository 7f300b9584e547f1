import { forwardRef, useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { useDraft } from '../../lib/drafts';
import { useCreateTask } from './queries';
import { parseQuickAdd } from './quickAdd';

/** One line: "Buy milk #home !high tomorrow". The text survives a sign-in round trip. */
export const QuickAdd = forwardRef<HTMLInputElement, { timeZone: string }>(function QuickAdd({ timeZone }, ref) {
  const [text, setText, clear] = useDraft('quick-add', '');
  const [error, setError] = useState<string | null>(null);
  const create = useCreateTask();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = parseQuickAdd(text, new Date(), timeZone);
    if (!body) return;
    setError(null);
    create.mutate(body, {
      onSuccess: () => clear(),
      onError: (err) => {
        if (!(err instanceof ApiError && err.status === 401)) setError(errorMessage(err));
      },
    });
  };

  return (
    <form onSubmit={submit} className="flex gap-2" aria-label="Quick add">
      <label htmlFor="quick-add" className="sr-only">
        New task
      </label>
      <input
        id="quick-add"
        ref={ref}
        className="input flex-1"
        placeholder="Add a task… (#tag, !high, today/tomorrow)  — press n"
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-describedby={error ? 'quick-add-error' : undefined}
        autoComplete="off"
      />
      <button type="submit" className="btn-primary" disabled={create.isPending || !text.trim()}>
        Add
      </button>
      {error && (
        <p id="quick-add-error" role="alert" className="sr-only">
          {error}
        </p>
      )}
      {error && <span className="self-center text-sm text-red-700 dark:text-red-400" aria-hidden>{error}</span>}
    </form>
  );
});
