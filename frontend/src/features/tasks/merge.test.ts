import { describe, expect, it } from 'vitest';
import { makeTask } from '../../test/factories';
import { diffUpdate, formFromTask, type EditorForm } from './form';
import { changedFields, mergeForms, mergeTags } from './merge';

const base: EditorForm = formFromTask(makeTask());
const edit = (patch: Partial<EditorForm>): EditorForm => ({ ...base, ...patch });

describe('mergeForms (after a 412: base = as loaded, mine = the form, theirs = the server now)', () => {
  it('keeps the other device’s change to a field I did not touch (the lost-edit bug)', () => {
    const mine = edit({ priority: 'urgent' });
    const theirs = edit({ description: 'Changed on my phone' });
    const { form, conflicts } = mergeForms(base, mine, theirs);
    expect(conflicts).toEqual([]);
    expect(form.description).toBe('Changed on my phone');
    expect(form.priority).toBe('urgent');
    // and the save that follows sends only my field, measured from their version
    expect(diffUpdate(theirs, form)).toEqual({ priority: 'urgent' });
  });

  it('keeps my change where they changed nothing', () => {
    const mine = edit({ title: 'Water the roses' });
    const { form, conflicts } = mergeForms(base, mine, base);
    expect(conflicts).toEqual([]);
    expect(form).toEqual(mine);
  });

  it('is no conflict when both made the same change', () => {
    const mine = edit({ title: 'Same', priority: 'high' });
    const theirs = edit({ title: 'Same' });
    const { form, conflicts } = mergeForms(base, mine, theirs);
    expect(conflicts).toEqual([]);
    expect(form.title).toBe('Same');
    expect(diffUpdate(theirs, form)).toEqual({ priority: 'high' });
  });

  it('is a conflict only when both changed the same field differently, and names that field alone', () => {
    const mine = edit({ title: 'Mine', priority: 'low' });
    const theirs = edit({ title: 'Theirs', description: 'note' });
    const { form, conflicts } = mergeForms(base, mine, theirs);
    expect(conflicts).toEqual([{ field: 'title', mine: { title: 'Mine' }, theirs: { title: 'Theirs' } }]);
    expect(form.title).toBe('Mine'); // until the person chooses
    expect(form.description).toBe('note');
    expect(form.priority).toBe('low');
  });

  it('judges the due date, time, all-day flag and zone as one field', () => {
    const mine = edit({ dueTime: '10:00' });
    const theirs = edit({ timezone: 'Europe/London' });
    const { conflicts } = mergeForms(base, mine, theirs);
    expect(conflicts.map((c) => c.field)).toEqual(['due']);
    expect(conflicts[0]!.theirs).toEqual({ dueDate: base.dueDate, dueTime: base.dueTime, allDay: false, timezone: 'Europe/London' });
  });

  it('takes their new due date when I changed something else', () => {
    const mine = edit({ title: 'Renamed' });
    const theirs = edit({ dueDate: '2026-12-01', dueTime: '08:00' });
    const { form, conflicts } = mergeForms(base, mine, theirs);
    expect(conflicts).toEqual([]);
    expect([form.title, form.dueDate, form.dueTime]).toEqual(['Renamed', '2026-12-01', '08:00']);
    expect(diffUpdate(theirs, form)).toEqual({ title: 'Renamed' });
  });

  it('takes their reminders and repeat rule when I did not touch them', () => {
    const theirs = edit({ reminders: [], recurrence: null });
    const mine = edit({ priority: 'high' });
    const { form, conflicts } = mergeForms(base, mine, theirs);
    expect(conflicts).toEqual([]);
    expect(form.reminders).toEqual([]);
    expect(form.recurrence).toBeNull();
  });

  it('reports a conflict on the repeat rule when both changed it', () => {
    const mine = edit({ recurrence: { rrule: 'FREQ=DAILY', from: 'due' } });
    const theirs = edit({ recurrence: { rrule: 'FREQ=MONTHLY', from: 'due' } });
    expect(mergeForms(base, mine, theirs).conflicts.map((c) => c.field)).toEqual(['recurrence']);
  });

  it('merges tags as a set: both sides’ additions and removals apply, never a conflict', () => {
    const b = edit({ tags: ['garden', 'home'] });
    const mine = edit({ tags: ['garden', 'weekend'] }); // removed home, added weekend
    const theirs = edit({ tags: ['home', 'garden', 'urgent'] }); // added urgent
    const { form, conflicts } = mergeForms(b, mine, theirs);
    expect(conflicts).toEqual([]);
    expect(form.tags).toEqual(['garden', 'urgent', 'weekend']);
    expect(mergeTags(['a'], [], ['a', 'b'])).toEqual(['b']);
  });

  it('changedFields lists what a person changed, by merge field', () => {
    expect(changedFields(base, edit({ dueTime: '11:00', title: 'x' }))).toEqual(['title', 'due']);
    expect(changedFields(base, base)).toEqual([]);
  });
});
