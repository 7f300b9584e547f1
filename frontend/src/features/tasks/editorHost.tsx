import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { useDraft } from '../../lib/drafts';
import { TaskEditor } from './TaskEditor';

interface EditorState {
  /** the task open in the editor ('new' for a new one), or null */
  editing: string | null;
  open: (id: string) => void;
}

const EditorContext = createContext<EditorState>({ editing: null, open: () => {} });

export function useEditor(): EditorState {
  return useContext(EditorContext);
}

/** The one task editor of every view; which task is open survives a reload or a sign-in. */
export function EditorHost({ timeZone, children }: { timeZone: string; children: ReactNode }) {
  const [editing, setEditing] = useDraft<string | null>('editor-open', null);
  const value = useMemo(() => ({ editing, open: setEditing }), [editing, setEditing]);
  return (
    <EditorContext.Provider value={value}>
      {children}
      {editing !== null && <TaskEditor taskId={editing} timeZone={timeZone} onClose={() => setEditing(null)} />}
    </EditorContext.Provider>
  );
}
