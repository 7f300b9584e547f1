import { describe, expect, it } from 'vitest';
import { QueryClient } from '@tanstack/react-query';
import { applyTask, detailKey, listKey, patchCachedTask, removeFromLists } from './cache';
import { makeTask } from '../../test/factories';

function seed() {
  const client = new QueryClient();
  const active = listKey({ status: 'pending' });
  const trash = listKey({ deleted: true });
  const page = (items: ReturnType<typeof makeTask>[]) => ({ pages: [{ items, next_cursor: null }], pageParams: [null] });
  client.setQueryData(active, page([makeTask(), makeTask({ id: 't2', title: 'Other', version: 1 })]));
  client.setQueryData(trash, page([]));
  const items = (key: readonly unknown[]) =>
    (client.getQueryData(key) as { pages: { items: ReturnType<typeof makeTask>[] }[] }).pages[0]!.items;
  return { client, active, trash, items };
}

describe('task cache', () => {
  it('replaces a task with a newer version, everywhere', () => {
    const { client, active, items } = seed();
    applyTask(client, makeTask({ title: 'Renamed', version: 4 }));
    expect(items(active)[0]!.title).toBe('Renamed');
    expect(client.getQueryData(detailKey('t1'))).toMatchObject({ title: 'Renamed' });
  });
  it('never lets an older or equal version overwrite a newer one', () => {
    const { client, active, items } = seed();
    applyTask(client, makeTask({ title: 'New', version: 5 }));
    applyTask(client, makeTask({ title: 'Old', version: 4 }));
    applyTask(client, makeTask({ title: 'Same', version: 5 }));
    expect(items(active)[0]!.title).toBe('New');
    expect(client.getQueryData(detailKey('t1'))).toMatchObject({ title: 'New' });
  });
  it('takes a deleted task out of active lists but not out of the trash', () => {
    const { client, active, items } = seed();
    applyTask(client, makeTask({ version: 4, deleted_at: '2026-11-23T12:00:00Z' }));
    expect(items(active).map((t) => t.id)).toEqual(['t2']);
  });
  it('optimistic patch and removal', () => {
    const { client, active, items } = seed();
    patchCachedTask(client, 't2', { status: 'completed' });
    expect(items(active)[1]!.status).toBe('completed');
    removeFromLists(client, 't2');
    expect(items(active).map((t) => t.id)).toEqual(['t1']);
  });
});
