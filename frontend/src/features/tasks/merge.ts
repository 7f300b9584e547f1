import type { EditorForm } from './form';

/**
 * Three-way merge of an edit with a change made elsewhere (after a 412): `base` is the task
 * as this editor loaded it, `mine` the form now, `theirs` the task as the server has it now.
 *
 * Field by field: a field only I changed keeps my value, a field only they changed takes
 * theirs, a field both changed to the same value is no conflict. Tags merge as a set (their
 * additions and removals and mine both apply). Only a field both sides changed, differently,
 * is a conflict; the merged form then holds my value until the person chooses.
 */

export type MergeField = 'title' | 'description' | 'priority' | 'tags' | 'due' | 'reminders' | 'recurrence';

/** The form fields that move together: a due instant is judged with its zone and all-day flag. */
export const MERGE_FIELDS: Record<MergeField, (keyof EditorForm)[]> = {
  title: ['title'],
  description: ['description'],
  priority: ['priority'],
  tags: ['tags'],
  due: ['dueDate', 'dueTime', 'allDay', 'timezone'],
  reminders: ['reminders'],
  recurrence: ['recurrence'],
};

export const FIELD_LABEL: Record<MergeField, string> = {
  title: 'Title',
  description: 'Description',
  priority: 'Priority',
  tags: 'Tags',
  due: 'Due',
  reminders: 'Reminders',
  recurrence: 'Repeat',
};

export interface Conflict {
  field: MergeField;
  mine: Partial<EditorForm>;
  theirs: Partial<EditorForm>;
}

export interface MergeResult {
  form: EditorForm;
  conflicts: Conflict[];
}

function pick(form: EditorForm, field: MergeField): Partial<EditorForm> {
  const out: Partial<EditorForm> = {};
  for (const key of MERGE_FIELDS[field]) (out as Record<string, unknown>)[key] = form[key];
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Tags: their additions and removals, then mine, in their order then mine. */
export function mergeTags(base: string[], mine: string[], theirs: string[]): string[] {
  const removedByMe = new Set(base.filter((t) => !mine.includes(t)));
  const out = theirs.filter((t) => !removedByMe.has(t));
  for (const t of mine) if (!base.includes(t) && !out.includes(t)) out.push(t);
  return out;
}

export function mergeForms(base: EditorForm, mine: EditorForm, theirs: EditorForm): MergeResult {
  const form: EditorForm = { ...mine };
  const conflicts: Conflict[] = [];
  for (const field of Object.keys(MERGE_FIELDS) as MergeField[]) {
    const [b, m, t] = [pick(base, field), pick(mine, field), pick(theirs, field)];
    const iChanged = !same(m, b);
    const theyChanged = !same(t, b);
    if (!theyChanged || same(m, t)) continue; // mine stands (changed or not)
    if (!iChanged) {
      Object.assign(form, t);
      continue;
    }
    if (field === 'tags') {
      form.tags = mergeTags(base.tags, mine.tags, theirs.tags);
      continue;
    }
    conflicts.push({ field, mine: m, theirs: t });
  }
  return { form, conflicts };
}

/** The fields (merge groups) in which `current` differs from `base`: what this person changed. */
export function changedFields(base: EditorForm, current: EditorForm): MergeField[] {
  return (Object.keys(MERGE_FIELDS) as MergeField[]).filter((f) => !same(pick(base, f), pick(current, f)));
}
