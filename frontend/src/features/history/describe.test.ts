import { describe, expect, it } from 'vitest';
import { describeAuditItem, describeChanges } from './describe';

const now = new Date('2026-11-23T12:00:00Z');

describe('describeAuditItem', () => {
  it('reads a change as a sentence', () => {
    const item = { type: 'com.taskflow.task.updated', time: '2026-11-23T11:57:00Z', actor: { kind: 'user', id: 'u1' }, changes: { priority: ['low', 'high'] } };
    expect(describeAuditItem(item, 'u1', now)).toBe('priority changed from low to high by you, 3 min ago');
  });
  it('names other actors and the system', () => {
    expect(describeAuditItem({ type: 'task.created', actor: { kind: 'user', id: 'u2' } }, 'u1', now)).toBe('created by someone else');
    expect(describeAuditItem({ type: 'com.taskflow.task.created', actor: { kind: 'system', id: 'recurring' }, time: '2026-11-23T10:00:00Z' }, 'u1', now)).toBe(
      'created by TaskFlow, 2 hours ago',
    );
  });
  it('survives other field shapes', () => {
    expect(describeAuditItem({ data: { type: 'com.taskflow.task.completed', actor: 'u1' }, recorded_at: 'garbage' }, 'u1', now)).toBe('completed by you');
    expect(describeAuditItem({}, undefined, now)).toBe('changed by someone else');
  });
  it('describes several changes and other change shapes', () => {
    expect(describeChanges({ title: { old: 'a', new: 'b' }, tags: [[], ['x', 'y']], due_at: { from: null, to: '2026-11-24' }, version: [1, 2] })).toEqual([
      'title changed from a to b',
      'tags changed from none to x, y',
      'due date changed from none to 2026-11-24',
    ]);
    expect(describeChanges(null)).toEqual([]);
  });
});
