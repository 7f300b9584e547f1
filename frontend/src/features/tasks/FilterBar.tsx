import { forwardRef } from 'react';
import { PRIORITIES, type Priority, type SortKey } from '../../api/types';
import { useTags } from '../tags';
import { SORTS, type DueRange, type Filters } from './filters';

interface Props {
  filters: Filters;
  onChange: (filters: Filters) => void;
}

const DUE: { value: DueRange; label: string }[] = [
  { value: 'any', label: 'Any time' },
  { value: 'today', label: 'Today' },
  { value: 'overdue', label: 'Overdue' },
  { value: 'week', label: 'This week' },
];

function toggle<T>(list: T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

export const FilterBar = forwardRef<HTMLInputElement, Props>(function FilterBar({ filters, onChange }, searchRef) {
  const tags = useTags();
  const set = (patch: Partial<Filters>) => onChange({ ...filters, ...patch });
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <label htmlFor="search" className="sr-only">
          Search tasks
        </label>
        <input
          id="search"
          ref={searchRef}
          type="search"
          className="input min-w-[10rem] flex-1"
          placeholder="Search…  (press /)"
          value={filters.q}
          onChange={(e) => set({ q: e.target.value })}
        />
        <label className="sr-only" htmlFor="filter-status">Status</label>
        <select id="filter-status" className="input w-auto" value={filters.status} onChange={(e) => set({ status: e.target.value as Filters['status'] })}>
          <option value="pending">To do</option>
          <option value="completed">Done</option>
          <option value="all">All</option>
        </select>
        <label className="sr-only" htmlFor="filter-due">Due</label>
        <select id="filter-due" className="input w-auto" value={filters.due} onChange={(e) => set({ due: e.target.value as DueRange })}>
          {DUE.map((d) => (
            <option key={d.value} value={d.value}>{d.label}</option>
          ))}
        </select>
        <label className="sr-only" htmlFor="sort">Sort</label>
        <select id="sort" className="input w-auto" value={filters.sort} onChange={(e) => set({ sort: e.target.value as SortKey })}>
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>{s.label}</option>
          ))}
        </select>
      </div>
      <div className="flex flex-wrap items-center gap-1" role="group" aria-label="Filter by priority and tag">
        {PRIORITIES.map((p: Priority) => (
          <button key={p} type="button" aria-pressed={filters.priority.includes(p)} className={`chip ${filters.priority.includes(p) ? 'chip-on' : ''}`} onClick={() => set({ priority: toggle(filters.priority, p) })}>
            {p}
          </button>
        ))}
        {(tags.data ?? []).map((t) => (
          <button key={t.id} type="button" aria-pressed={filters.tags.includes(t.name)} className={`chip ${filters.tags.includes(t.name) ? 'chip-on' : ''}`} onClick={() => set({ tags: toggle(filters.tags, t.name) })}>
            <span aria-hidden className="mr-1 inline-block h-2 w-2 rounded-full" style={{ background: t.color }} />#{t.name}
          </button>
        ))}
      </div>
    </div>
  );
});
