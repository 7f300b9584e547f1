import { useEffect, useId, useRef, type FormEvent, type KeyboardEvent } from 'react';
import type { ChatAction } from '../../api/types';
import { useDraft } from '../../lib/drafts';
import { Icon } from '../../lib/icons';
import { useChat, type Turn } from './useChat';

const EXAMPLES = ['Remind me to call mum every Sunday at 6pm', 'What is due this week?', 'Move my dentist task to Friday at 10'];

/** "created task 'Call mum'" from the server; a readable fallback from the tool name. */
export function actionText(action: ChatAction): string {
  if (action.summary) return action.summary;
  const words = action.tool.replace(/_/g, ' ');
  return action.ok ? words : `${words} failed`;
}

function ActionChips({ actions }: { actions: ChatAction[] }) {
  if (!actions.length) return null;
  return (
    <ul className="mt-2 flex flex-wrap gap-1.5" aria-label="What the assistant did">
      {actions.map((action, i) => (
        <li
          key={i}
          data-testid="chat-action"
          title={action.tool}
          className={`inline-flex max-w-full items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium ${
            action.ok
              ? 'border-emerald-600 bg-emerald-50 text-emerald-900 dark:border-emerald-400 dark:bg-emerald-950 dark:text-emerald-100'
              : 'border-red-600 bg-red-50 text-red-900 dark:border-red-400 dark:bg-red-950 dark:text-red-100'
          }`}
        >
          <span aria-hidden="true">{action.ok ? '✓' : '✕'}</span>
          <span className="sr-only">{action.ok ? 'done:' : 'failed:'}</span>
          <span className="truncate">{actionText(action)}</span>
        </li>
      ))}
    </ul>
  );
}

function Answer({ turn, onRetry, canRetry }: { turn: Turn; onRetry: () => void; canRetry: boolean }) {
  const streaming = turn.status === 'streaming';
  return (
    <li className="mr-6" aria-busy={streaming}>
      {(turn.content || streaming) && (
        <div className="whitespace-pre-wrap break-words rounded-lg bg-slate-100 p-2 text-slate-900 dark:bg-slate-800 dark:text-slate-100" data-testid="chat-reply">
          {turn.content}
          {streaming && (
            <span className="ml-0.5 inline-block animate-pulse" aria-label="The assistant is answering">
              …
            </span>
          )}
        </div>
      )}
      <ActionChips actions={turn.actions} />
      {turn.status === 'stopped' && <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">Stopped.</p>}
      {turn.status === 'error' && turn.problem && (
        <div role="alert" className="mt-1 rounded-lg border border-red-400 bg-red-50 p-2 text-red-900 dark:border-red-500 dark:bg-red-950 dark:text-red-100" data-testid="chat-error">
          <p className="font-semibold">{turn.problem.title}</p>
          {turn.problem.detail && turn.problem.detail !== turn.problem.title && <p className="mt-0.5 whitespace-pre-wrap break-words">{turn.problem.detail}</p>}
          {turn.problem.setup && (
            <details className="mt-1 text-xs">
              <summary className="cursor-pointer">If you run this server</summary>
              <p className="mt-0.5 break-words">{turn.problem.setup}</p>
            </details>
          )}
          {canRetry && (
            <button type="button" className="btn mt-2" onClick={onRetry}>
              Try again
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/**
 * The assistant: a side panel (full screen on a phone) that streams Claude's answer and
 * shows each tool call as a chip; the task list refreshes as soon as a task changed.
 */
export function ChatPanel({ open, onClose }: { open: boolean; onClose: () => void }) {
  const titleId = useId();
  const chat = useChat();
  const [text, setText, clear] = useDraft('chat', '');
  const input = useRef<HTMLTextAreaElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const last = chat.turns[chat.turns.length - 1];

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [chat.turns.length, last?.content.length, last?.actions.length, last?.status]);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const message = text.trim();
    if (!message || chat.busy) return;
    clear();
    void chat.send(message);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <aside
      id="chat-panel"
      aria-labelledby={titleId}
      hidden={!open}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
      className={`${open ? 'flex' : 'hidden'} fixed inset-0 z-30 flex-col bg-white text-slate-900 shadow-xl dark:bg-slate-900 dark:text-slate-100 sm:inset-auto sm:bottom-0 sm:right-0 sm:top-14 sm:w-96 sm:border-l sm:border-slate-300 sm:dark:border-slate-700`}
    >
      <div className="flex items-center gap-2 border-b border-slate-200 px-3 py-2 dark:border-slate-800">
        <h2 id={titleId} className="mr-auto font-semibold">
          Assistant
        </h2>
        {chat.turns.length > 0 && (
          <button type="button" className="btn px-2 text-xs" onClick={chat.reset}>
            New chat
          </button>
        )}
        <button type="button" className="btn px-2" aria-label="Close assistant" onClick={onClose}>
          <Icon name="close" />
        </button>
      </div>
      <div className="flex-1 overflow-y-auto p-3 text-sm">
        {chat.turns.length === 0 && !chat.restoring && (
          <div className="text-slate-700 dark:text-slate-300">
            <p>Ask about your tasks or tell the assistant what to do. For example:</p>
            <ul className="mt-2 space-y-1.5">
              {EXAMPLES.map((example) => (
                <li key={example}>
                  <button
                    type="button"
                    className="rounded-md border border-slate-300 px-2 py-1 text-left hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800"
                    onClick={() => {
                      setText(example);
                      input.current?.focus();
                    }}
                  >
                    “{example}”
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        {chat.restoring && chat.turns.length === 0 && <p aria-busy="true">Loading the conversation…</p>}
        <ol role="log" aria-live="polite" aria-label="Conversation" className="space-y-3">
          {chat.turns.map((turn) =>
            turn.role === 'user' ? (
              <li key={turn.id} className="ml-8 whitespace-pre-wrap break-words rounded-lg bg-blue-700 p-2 text-white dark:bg-blue-600">
                <span className="sr-only">You: </span>
                {turn.content}
              </li>
            ) : (
              <Answer key={turn.id} turn={turn} canRetry={!chat.busy && Boolean(turn.prompt)} onRetry={() => chat.retry(turn)} />
            ),
          )}
        </ol>
        <div ref={end} />
      </div>
      <form onSubmit={submit} className="flex items-end gap-2 border-t border-slate-200 p-2 dark:border-slate-800">
        <label htmlFor="chat-input" className="sr-only">
          Message the assistant
        </label>
        <textarea
          id="chat-input"
          ref={input}
          rows={2}
          className="input flex-1 resize-none"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Ask or tell… (Enter sends)"
          autoComplete="off"
          maxLength={4000}
        />
        {chat.busy ? (
          <button type="button" className="btn" onClick={chat.stop}>
            Stop
          </button>
        ) : (
          <button type="submit" className="btn-primary" disabled={!text.trim()}>
            Send
          </button>
        )}
      </form>
    </aside>
  );
}
