import { useCallback, useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../../api/client';
import type { ChatAction, Problem } from '../../api/types';
import { readDraft, writeDraft } from '../../lib/drafts';
import { tagsKey } from '../tags';
import { tasksKey } from '../tasks';
import { fetchConversation, streamChat } from './stream';

export interface Turn {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  actions: ChatAction[];
  status: 'streaming' | 'done' | 'stopped' | 'error';
  problem?: Problem;
  /** the message this answer was for (to try it again) */
  prompt?: string;
}

const CONVERSATION_DRAFT = 'chat:conversation';
let nextId = 0;
const turnId = () => `turn-${++nextId}`;

/**
 * The assistant conversation: sends a message, streams the answer into the last turn, and
 * refreshes the task and tag queries as soon as a tool call changed something. The
 * conversation id survives a reload (sessionStorage), and its messages are fetched back.
 */
export function useChat() {
  const client = useQueryClient();
  const [turns, setTurns] = useState<Turn[]>([]);
  const [conversationId, setConversationId] = useState<string | undefined>(() => readDraft<string>(CONVERSATION_DRAFT));
  const [restoring, setRestoring] = useState(Boolean(conversationId));
  const abort = useRef<AbortController | null>(null);
  const busy = turns.some((t) => t.status === 'streaming');

  const remember = useCallback((id: string | undefined) => {
    setConversationId(id);
    writeDraft(CONVERSATION_DRAFT, id);
  }, []);

  // An earlier conversation of this tab: show it again.
  useEffect(() => {
    const id = readDraft<string>(CONVERSATION_DRAFT);
    if (!id) return;
    const controller = new AbortController();
    fetchConversation(id, controller.signal)
      .then((conversation) => {
        const messages = Array.isArray(conversation.messages) ? conversation.messages : [];
        setTurns((current) =>
          current.length
            ? current
            : messages.map((m) => ({ id: turnId(), role: m.role, content: m.content ?? '', actions: m.actions ?? [], status: 'done' as const })),
        );
      })
      .catch((err: unknown) => {
        if ((err as Error).name === 'AbortError') return;
        if (err instanceof ApiError && err.status === 404) remember(undefined); // gone: start afresh
      })
      .finally(() => setRestoring(false));
    return () => controller.abort();
  }, [remember]);

  useEffect(() => () => abort.current?.abort(), []);

  const refresh = useCallback(() => {
    void client.invalidateQueries({ queryKey: tasksKey });
    void client.invalidateQueries({ queryKey: tagsKey });
    void client.invalidateQueries({ queryKey: ['audit'] });
  }, [client]);

  const update = (id: string, change: (turn: Turn) => Turn) => setTurns((all) => all.map((t) => (t.id === id ? change(t) : t)));

  const send = useCallback(
    async (message: string) => {
      if (busy || !message.trim()) return;
      const answerId = turnId();
      setTurns((all) => [
        ...all,
        { id: turnId(), role: 'user', content: message, actions: [], status: 'done' },
        { id: answerId, role: 'assistant', content: '', actions: [], status: 'streaming', prompt: message },
      ]);
      const controller = new AbortController();
      abort.current = controller;
      let changed = false;
      try {
        const result = await streamChat(
          { message, ...(conversationId ? { conversation_id: conversationId } : {}) },
          (event) => {
            if (event.type === 'text') update(answerId, (t) => ({ ...t, content: t.content + event.delta }));
            if (event.type === 'tool') {
              update(answerId, (t) => ({ ...t, actions: [...t.actions, event.action] }));
              if (event.action.ok) {
                changed = true;
                refresh(); // the new task shows while the assistant is still talking
              }
            }
          },
          controller.signal,
        );
        if (result.conversation_id) remember(result.conversation_id);
        update(answerId, (t) => ({
          ...t,
          content: result.reply || t.content,
          actions: result.actions.length ? result.actions : t.actions,
          status: 'done',
        }));
        if (!changed && result.actions.some((a) => a.ok)) refresh();
      } catch (err) {
        if ((err as Error).name === 'AbortError') {
          update(answerId, (t) => ({ ...t, status: 'stopped' }));
        } else {
          const problem =
            err instanceof ApiError ? err.problem : { title: 'Something went wrong', status: 0, detail: (err as Error).message || 'Try again.' };
          update(answerId, (t) => ({ ...t, status: 'error', problem }));
        }
        if (changed) refresh();
      } finally {
        if (abort.current === controller) abort.current = null;
      }
    },
    [busy, conversationId, refresh, remember],
  );

  const stop = useCallback(() => abort.current?.abort(), []);

  /** Send a failed message again (its failed answer is dropped). */
  const retry = useCallback(
    (turn: Turn) => {
      if (!turn.prompt || busy) return;
      setTurns((all) => {
        const at = all.findIndex((t) => t.id === turn.id);
        return at > 0 ? [...all.slice(0, at - 1), ...all.slice(at + 1)] : all;
      });
      void send(turn.prompt);
    },
    [busy, send],
  );

  const reset = useCallback(() => {
    abort.current?.abort();
    setTurns([]);
    remember(undefined);
  }, [remember]);

  return { turns, busy, restoring, conversationId, send, stop, retry, reset };
}
