import { useEffect, useMemo, useRef, useState } from 'react';
import { useDraft } from '../../lib/drafts';
import { useDebounce } from '../../lib/useDebounce';
import { useShortcuts } from '../../lib/useShortcuts';
import { useEditor } from './editorHost';
import { FilterBar } from './FilterBar';
import { DEFAULT_FILTERS, toQuery, visibleRows, type Filters } from './filters';
import { useTaskList } from './queries';
import { QuickAdd } from './QuickAdd';
import { TaskList } from './TaskList';
import { useTaskActions } from './useTaskActions';

export function TasksPage({ timeZone }: { timeZone: string }) {
  const [filters, setFilters] = useDraft<Filters>('filters', DEFAULT_FILTERS);
  const q = useDebounce(filters.q, 250);
  const query = useMemo(
    () => toQuery({ ...filters, q }, new Date(), timeZone),
    [q, filters.status, filters.priority, filters.tags, filters.due, filters.sort, timeZone],
  );
  const list = useTaskList(query);
  const items = useMemo(() => visibleRows(filters, list.data?.pages.flatMap((p) => p.items) ?? [], new Date()), [list.data, filters]);
  const [selected, setSelected] = useState(-1);
  const { editing, open } = useEditor();
  const quickAdd = useRef<HTMLInputElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const { onToggle, onDelete, onOpen } = useTaskActions();

  useEffect(() => setSelected((s) => Math.min(s, items.length - 1)), [items.length]);

  const move = (step: number) => {
    if (!items.length) return;
    const next = Math.max(0, Math.min(items.length - 1, selected + step));
    setSelected(next);
    document.querySelectorAll('[data-testid="task-row"]')[next]?.scrollIntoView({ block: 'nearest' });
  };
  const current = items[selected];
  useShortcuts(
    {
      n: () => quickAdd.current?.focus(),
      '/': () => search.current?.focus(),
      j: () => move(1),
      k: () => move(-1),
      x: () => current && onToggle(current),
      Enter: () => current && onOpen(current),
      e: () => current && onOpen(current),
    },
    editing === null,
  );

  return (
    <div className="space-y-3">
      <div className="flex gap-2">
        <div className="flex-1">
          <QuickAdd ref={quickAdd} timeZone={timeZone} />
        </div>
        <button type="button" className="btn" onClick={() => open('new')}>
          New…
        </button>
      </div>
      <FilterBar ref={search} filters={filters} onChange={setFilters} />
      <section aria-label="Task list" className="rounded-lg border border-slate-200 dark:border-slate-800">
        <TaskList
          list={list}
          items={items}
          selected={selected}
          onSelect={setSelected}
          onToggle={onToggle}
          onOpen={onOpen}
          onDelete={onDelete}
          empty={filters.q || filters.priority.length || filters.tags.length || filters.due !== 'any' ? 'No tasks match these filters.' : 'Nothing to do. Add a task above.'}
        />
      </section>
      <p className="hidden text-xs text-slate-600 dark:text-slate-400 sm:block">
        Shortcuts: <kbd>n</kbd> new · <kbd>/</kbd> search · <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>x</kbd> complete · <kbd>Enter</kbd> open
      </p>
    </div>
  );
}
