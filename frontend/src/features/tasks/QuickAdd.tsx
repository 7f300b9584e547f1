import { forwardRef, useCallback, useEffect, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { useDraft } from '../../lib/drafts';
import { formatDue } from '../../lib/time';
import { describeRrule } from '../recurrence';
import { useCreateTask } from './queries';
import type { Part, QuickAddOptions, QuickAddResult } from './quickAdd';

type Parse = (line: string, now: Date, timeZone: string, options?: QuickAddOptions) => QuickAddResult;

// The parser (chrono-node) is not needed to paint the first screen: it loads when the field is
// first focused or typed in, and a submit before then waits for it.
let parserModule: Promise<Parse> | null = null;
export function loadParser(): Promise<Parse> {
  parserModule ??= import('./quickAdd').then(
    (m) => m.parseQuickAdd,
    (err: unknown) => {
      parserModule = null; // offline, say: try again next time
      throw err;
    },
  );
  return parserModule;
}

function useParser(): [Parse | null, () => void] {
  const [parse, setParse] = useState<Parse | null>(null);
  const load = useCallback(() => void loadParser().then((p) => setParse(() => p), () => {}), []);
  return [parse, load];
}

const MARK: Record<Part['kind'], string> = {
  date: 'bg-blue-200 dark:bg-blue-800',
  repeat: 'bg-violet-200 dark:bg-violet-800',
  tag: 'bg-green-200 dark:bg-green-800',
  priority: 'bg-orange-200 dark:bg-orange-800',
};
const KIND_LABEL: Record<Part['kind'], string> = { date: 'Due', repeat: 'Repeats', tag: 'Tag', priority: 'Priority' };

interface Props {
  timeZone: string;
  /** with no date in the line, the task is due today (the Today view) */
  defaultDue?: 'today';
}

/**
 * One line in plain language: "Call plumber tomorrow at 10am #home !high". What is recognised
 * is highlighted in the field and listed under it before saving; Backspace right after a
 * highlighted part (or its ×) keeps those words as plain title text. The text survives a
 * sign-in round trip.
 */
export const QuickAdd = forwardRef<HTMLInputElement, Props>(function QuickAdd({ timeZone, defaultDue }, ref) {
  const [text, setText, clear] = useDraft('quick-add', '');
  const [ignore, setIgnore] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [parse, loadParse] = useParser();
  const create = useCreateTask();
  const mirror = useRef<HTMLDivElement>(null);

  const hasText = text !== '';
  useEffect(() => {
    if (hasText) loadParse(); // a restored draft is highlighted at once
  }, [hasText, loadParse]);

  const result = useMemo(
    () => (parse && text.trim() ? parse(text, new Date(), timeZone, { ignore, defaultDue }) : null),
    [parse, text, timeZone, ignore, defaultDue],
  );
  const parts = result?.parts ?? [];

  // undone parts stay undone while this line is edited (cleared when it is saved)
  const onChange = (value: string) => setText(value);
  const keepAsText = (part: Part) => setIgnore((list) => [...list, part.text]);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Backspace') return;
    const el = event.currentTarget;
    if (el.selectionStart !== el.selectionEnd) return;
    const part = parts.find((p) => p.end === el.selectionStart);
    if (!part) return;
    event.preventDefault(); // one key undoes the recognition; the next deletes as usual
    keepAsText(part);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    let parser = parse;
    try {
      parser ??= await loadParser();
    } catch {
      setError('Could not reach TaskFlow. Check your connection and try again.');
      return;
    }
    const body = parser(text, new Date(), timeZone, { ignore, defaultDue }).task;
    if (!body) return;
    setError(null);
    create.mutate(body, {
      onSuccess: () => {
        clear();
        setIgnore([]);
      },
      onError: (err) => {
        if (!(err instanceof ApiError && err.status === 401)) setError(errorMessage(err));
      },
    });
  };

  const syncScroll = (el: HTMLInputElement) => {
    if (mirror.current) mirror.current.scrollLeft = el.scrollLeft;
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-1" aria-label="Quick add">
      <div className="flex gap-2">
        <label htmlFor="quick-add" className="sr-only">
          New task
        </label>
        <div className="relative min-w-0 flex-1 rounded-md bg-white dark:bg-slate-900">
          <div
            ref={mirror}
            aria-hidden="true"
            data-testid="quick-add-highlight"
            className="pointer-events-none absolute inset-0 overflow-hidden whitespace-pre rounded-md border border-transparent px-2 py-1.5 text-sm text-transparent"
          >
            {highlight(text, parts)}
          </div>
          <input
            id="quick-add"
            ref={ref}
            className="input relative bg-transparent dark:bg-transparent"
            placeholder="Add a task… e.g. “Call plumber tomorrow at 10am #home !high” (press n)"
            value={text}
            onFocus={loadParse}
            onChange={(e) => {
              onChange(e.target.value);
              syncScroll(e.target);
            }}
            onScroll={(e) => syncScroll(e.currentTarget)}
            onKeyDown={onKeyDown}
            aria-describedby={[parts.length ? 'quick-add-parts' : '', error ? 'quick-add-error' : ''].filter(Boolean).join(' ') || undefined}
            autoComplete="off"
          />
        </div>
        <button type="submit" className="btn-primary" disabled={create.isPending || !text.trim()}>
          Add
        </button>
      </div>
      <div aria-live="polite">
        {parts.length > 0 && result?.task && (
          <ul id="quick-add-parts" aria-label="Recognised in the text" data-testid="quick-add-parts" className="flex flex-wrap gap-1 text-xs">
            {parts.map((part) => (
              <li key={`${part.kind}:${part.start}`} data-kind={part.kind} className={`inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-slate-900 dark:text-slate-50 ${MARK[part.kind]}`}>
                <span>
                  {KIND_LABEL[part.kind]}: {describePart(part, result, timeZone)}
                </span>
                <button type="button" className="rounded px-1 hover:bg-white/60 dark:hover:bg-black/30" aria-label={`Keep “${part.text}” as text`} onClick={() => keepAsText(part)}>
                  ×
                </button>
              </li>
            ))}
            <li className="self-center text-slate-600 dark:text-slate-400">Backspace after a highlight keeps it as text</li>
          </ul>
        )}
      </div>
      {error && (
        <p id="quick-add-error" role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
});

function highlight(text: string, parts: Part[]) {
  const out: (string | JSX.Element)[] = [];
  let at = 0;
  for (const p of parts) {
    if (p.start < at) continue;
    out.push(text.slice(at, p.start));
    out.push(
      <mark key={p.start} data-kind={p.kind} className={`rounded-sm text-transparent ${MARK[p.kind]}`}>
        {text.slice(p.start, p.end)}
      </mark>,
    );
    at = p.end;
  }
  out.push(text.slice(at));
  return out;
}

function describePart(part: Part, result: QuickAddResult, timeZone: string): string {
  const task = result.task!;
  switch (part.kind) {
    case 'date':
      return task.due_at ? formatDue(task.due_at, timeZone, Boolean(task.all_day)) : part.text;
    case 'repeat':
      return task.recurrence ? describeRrule(task.recurrence.rrule) : part.text;
    default:
      return part.text;
  }
}
