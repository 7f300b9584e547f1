import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage, request } from '../../api/client';
import type { ChatIn, ChatOut } from '../../api/types';
import { useDraft } from '../../lib/drafts';
import { invalidateLists } from '../tasks';
import { tagsKey } from '../tags';

interface Line {
  who: 'you' | 'assistant' | 'error';
  text: string;
}

function chatError(err: unknown): string {
  if (err instanceof ApiError && err.status === 404) return 'The assistant is not available on this server yet.';
  return errorMessage(err); // 503 carries "no model key configured" in its detail
}

/** A small assistant panel: "remind me to call mum every Sunday at 6pm". */
export function ChatPanel({ onClose }: { onClose: () => void }) {
  const client = useQueryClient();
  const [text, setText, clear] = useDraft('chat', '');
  const [lines, setLines] = useState<Line[]>([]);
  const [conversation, setConversation] = useState<string | undefined>();
  const send = useMutation({
    mutationFn: (body: ChatIn) => request<ChatOut>('/chat', { method: 'POST', body }),
    onSuccess: (out) => {
      setConversation(out.conversation_id);
      setLines((l) => [...l, { who: 'assistant', text: typeof out.reply === 'string' ? out.reply : JSON.stringify(out.reply) }]);
      if (Array.isArray(out.actions) && out.actions.length) {
        void invalidateLists(client);
        void client.invalidateQueries({ queryKey: tagsKey });
      }
    },
    onError: (err) => setLines((l) => [...l, { who: 'error', text: chatError(err) }]),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const message = text.trim();
    if (!message) return;
    setLines((l) => [...l, { who: 'you', text: message }]);
    clear();
    send.mutate({ message, ...(conversation ? { conversation_id: conversation } : {}) });
  };

  return (
    <aside aria-label="Assistant" className="fixed bottom-0 right-0 z-30 flex h-[28rem] w-full flex-col border border-slate-300 bg-white shadow-xl dark:border-slate-700 dark:bg-slate-900 sm:bottom-4 sm:right-4 sm:w-96 sm:rounded-lg">
      <div className="flex items-center justify-between border-b border-slate-200 px-3 py-2 dark:border-slate-800">
        <h2 className="font-semibold">Assistant</h2>
        <button type="button" className="btn" aria-label="Close assistant" onClick={onClose}>✕</button>
      </div>
      <ol className="flex-1 space-y-2 overflow-y-auto p-3 text-sm" aria-live="polite">
        {lines.length === 0 && <li className="text-slate-600 dark:text-slate-400">Try “remind me to call mum every Sunday at 6pm”.</li>}
        {lines.map((line, i) => (
          <li
            key={i}
            role={line.who === 'error' ? 'alert' : undefined}
            className={
              line.who === 'you'
                ? 'ml-8 rounded-lg bg-blue-700 p-2 text-white'
                : line.who === 'error'
                  ? 'rounded-lg bg-red-50 p-2 text-red-900 dark:bg-red-950 dark:text-red-100'
                  : 'mr-8 whitespace-pre-wrap rounded-lg bg-slate-100 p-2 dark:bg-slate-800'
            }
          >
            {line.text}
          </li>
        ))}
        {send.isPending && <li className="text-slate-500">Thinking…</li>}
      </ol>
      <form onSubmit={submit} className="flex gap-2 border-t border-slate-200 p-2 dark:border-slate-800">
        <label htmlFor="chat-input" className="sr-only">Message</label>
        <input id="chat-input" className="input flex-1" value={text} onChange={(e) => setText(e.target.value)} placeholder="Ask or tell…" autoComplete="off" />
        <button type="submit" className="btn-primary" disabled={send.isPending || !text.trim()}>Send</button>
      </form>
    </aside>
  );
}
