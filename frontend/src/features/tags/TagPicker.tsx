import { useId, useState, type KeyboardEvent } from 'react';
import { errorMessage } from '../../api/client';
import { TAG_COLORS, useCreateTag, useTags, useUpdateTag } from './api';
import { TagChip } from './TagChip';

interface Props {
  value: string[];
  onChange: (tags: string[]) => void;
}

/** Pick existing tags or create one inline (with a colour); recolour a chosen tag. */
export function TagPicker({ value, onChange }: Props) {
  const id = useId();
  const tags = useTags();
  const create = useCreateTag();
  const update = useUpdateTag();
  const [text, setText] = useState('');
  const [color, setColor] = useState(TAG_COLORS[5]!);
  const colorOf = (name: string) => tags.data?.find((t) => t.name.toLowerCase() === name.toLowerCase())?.color;
  const name = text.trim();
  const exists = tags.data?.some((t) => t.name.toLowerCase() === name.toLowerCase());
  const suggestions = (tags.data ?? []).filter(
    (t) => !value.includes(t.name) && (!name || t.name.toLowerCase().includes(name.toLowerCase())),
  );

  const add = async (tagName: string) => {
    if (!tagName || value.some((v) => v.toLowerCase() === tagName.toLowerCase())) return setText('');
    if (!tags.data?.some((t) => t.name.toLowerCase() === tagName.toLowerCase())) {
      try {
        await create.mutateAsync({ name: tagName, color });
      } catch {
        return; // shown below; a 409 means it exists, and the list refreshes
      }
    }
    onChange([...value, tagName]);
    setText('');
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' || e.key === ',') {
      e.preventDefault();
      void add(name);
    } else if (e.key === 'Backspace' && !text && value.length) {
      onChange(value.slice(0, -1));
    }
  };

  return (
    <div>
      <label htmlFor={`${id}-input`} className="label">Tags</label>
      <div className="flex flex-wrap gap-1" aria-live="polite">
        {value.map((tag) => (
          <TagChip key={tag} name={tag} color={colorOf(tag)} onRemove={() => onChange(value.filter((t) => t !== tag))} />
        ))}
      </div>
      <input
        id={`${id}-input`}
        className="input mt-1"
        placeholder="Add a tag and press Enter"
        value={text}
        list={`${id}-list`}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKey}
      />
      <datalist id={`${id}-list`}>
        {suggestions.map((t) => (
          <option key={t.id} value={t.name} />
        ))}
      </datalist>
      {name && !exists && (
        <div className="mt-1 flex flex-wrap items-center gap-1 text-xs" role="group" aria-label="Colour for the new tag">
          New tag colour:
          {TAG_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              aria-label={`Colour ${c}`}
              aria-pressed={c === color}
              className={`h-5 w-5 rounded-full border-2 ${c === color ? 'border-slate-900 dark:border-white' : 'border-transparent'}`}
              style={{ background: c }}
              onClick={() => setColor(c)}
            />
          ))}
          <button type="button" className="btn ml-1" onClick={() => void add(name)}>
            Create “{name}”
          </button>
        </div>
      )}
      {value.length > 0 && tags.data && (
        <details className="mt-1 text-xs">
          <summary className="cursor-pointer text-slate-600 dark:text-slate-400">Change tag colours</summary>
          <ul className="mt-1 space-y-1">
            {value.map((tagName) => {
              const tag = tags.data.find((t) => t.name === tagName);
              if (!tag) return null;
              return (
                <li key={tag.id} className="flex items-center gap-1">
                  <span className="w-20 truncate">{tag.name}</span>
                  {TAG_COLORS.map((c) => (
                    <button
                      key={c}
                      type="button"
                      aria-label={`Colour ${tag.name} ${c}`}
                      className={`h-4 w-4 rounded-full border-2 ${c === tag.color ? 'border-slate-900 dark:border-white' : 'border-transparent'}`}
                      style={{ background: c }}
                      onClick={() => update.mutate({ id: tag.id, color: c })}
                    />
                  ))}
                </li>
              );
            })}
          </ul>
        </details>
      )}
      {(create.error || update.error) && (
        <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
          {errorMessage(create.error ?? update.error)}
        </p>
      )}
    </div>
  );
}
