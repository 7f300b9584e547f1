import { describe, expect, it } from 'vitest';
import { makeTask } from '../../test/factories';
import { SeenIds, parseFrame } from './parse';

const task = makeTask({ version: 7 });
const data = { user_id: 'u1', task, version: 7, changes: { priority: ['low', 'high'] }, actor: { kind: 'user', id: 'u1' } };

describe('parseFrame', () => {
  it('reads the bare CloudEvent data with the SSE event name and id', () => {
    expect(parseFrame('com.taskflow.task.updated', JSON.stringify(data), 'e1')).toEqual({
      kind: 'task', id: 'e1', type: 'com.taskflow.task.updated', task, version: 7,
    });
  });
  it('reads a whole CloudEvent envelope', () => {
    const envelope = { specversion: '1.0', id: 'e2', type: 'com.taskflow.task.created', source: 'taskflow/api', data };
    expect(parseFrame(undefined, JSON.stringify(envelope), '')).toMatchObject({ kind: 'task', id: 'e2', type: 'com.taskflow.task.created' });
    expect(parseFrame('message', JSON.stringify(envelope))).toMatchObject({ id: 'e2' });
  });
  it('reads reminders', () => {
    const reminder = { user_id: 'u1', task_id: 't1', task_title: 'Stretch', due_at: null, reminder_id: 'r1', fire_at: '2026-11-23T10:00:00Z' };
    expect(parseFrame('com.taskflow.reminder.triggered', JSON.stringify(reminder), 'e3')).toEqual({ kind: 'reminder', id: 'e3', data: reminder });
  });
  it('ignores unknown types and malformed frames instead of throwing', () => {
    expect(parseFrame('com.taskflow.task.exploded', JSON.stringify(data))).toBeNull();
    expect(parseFrame('com.taskflow.task.updated', '{not json')).toBeNull();
    expect(parseFrame('com.taskflow.task.updated', JSON.stringify({ task: { id: 1 } }))).toBeNull();
    expect(parseFrame(undefined, JSON.stringify(data))).toBeNull(); // no type anywhere
    expect(parseFrame('com.taskflow.reminder.triggered', '[]')).toBeNull();
  });
});

describe('SeenIds', () => {
  it('accepts an id once and forgets the oldest past its size', () => {
    const seen = new SeenIds(2);
    expect(seen.add('a')).toBe(true);
    expect(seen.add('a')).toBe(false);
    seen.add('b');
    seen.add('c');
    expect(seen.add('a')).toBe(true);
    expect(seen.add(undefined)).toBe(true);
  });
});
