import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { relativeTime } from '../../lib/time';
import { invalidateLists, tasksKey } from '../tasks';
import { tagsKey } from '../tags';
import { emptyTrash, feedKey, getFeed, importFile, makeFeed, revokeFeed, type CalendarFeedCreated, type ImportResult } from './api';
import { CopyBox, Result, Section } from './parts';

/** Export (JSON, CSV), import (our JSON, a Todoist CSV), the private calendar feed, empty trash. */
export function DataSection() {
  return (
    <>
      <ExportImport />
      <CalendarFeedSection />
      <TrashSection />
    </>
  );
}

function ExportImport() {
  const client = useQueryClient();
  const [kind, setKind] = useState<'json' | 'todoist'>('json');
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<ImportResult | null>(null);
  const run = useMutation({
    mutationFn: async () => importFile(kind, await file!.text()),
    onSuccess: (r) => {
      setResult(r);
      void invalidateLists(client);
      void client.invalidateQueries({ queryKey: tagsKey });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    if (file) run.mutate();
  };
  return (
    <Section title="Your data" testId="settings-data">
      <p className="text-sm text-slate-700 dark:text-slate-300">Everything you have, the trash included, to keep or to take elsewhere.</p>
      <div className="flex flex-wrap gap-2">
        <a className="btn" href="/api/v1/export/json" download>Export as JSON</a>
        <a className="btn" href="/api/v1/export/csv" download>Export as CSV</a>
      </div>
      <form onSubmit={submit} className="space-y-2">
        <fieldset className="flex flex-wrap gap-4 text-sm">
          <legend className="label">Import</legend>
          <label className="flex items-center gap-1">
            <input type="radio" name="import-kind" checked={kind === 'json'} onChange={() => setKind('json')} /> TaskFlow JSON export
          </label>
          <label className="flex items-center gap-1">
            <input type="radio" name="import-kind" checked={kind === 'todoist'} onChange={() => setKind('todoist')} /> Todoist CSV export
          </label>
        </fieldset>
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor="import-file" className="sr-only">File to import</label>
          <input id="import-file" type="file" accept={kind === 'json' ? '.json,application/json' : '.csv,text/csv'} className="text-sm" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
          <button type="submit" className="btn-primary" disabled={!file || run.isPending}>{run.isPending ? 'Importing…' : 'Import'}</button>
        </div>
      </form>
      {run.error && <Result tone="error">{errorMessage(run.error)}</Result>}
      {result && (
        <div data-testid="import-result">
          <Result>
            Imported {result.imported} task{result.imported === 1 ? '' : 's'}
            {result.skipped ? `, skipped ${result.skipped} already imported` : ''}
            {result.tags_created ? `, ${result.tags_created} new tag${result.tags_created === 1 ? '' : 's'}` : ''}.
          </Result>
          {result.warnings.length > 0 && (
            <ul className="mt-1 list-disc pl-5 text-sm text-slate-700 dark:text-slate-300">
              {result.warnings.map((w) => <li key={w}>{w}</li>)}
            </ul>
          )}
        </div>
      )}
    </Section>
  );
}

function CalendarFeedSection() {
  const client = useQueryClient();
  const feed = useQuery({ queryKey: feedKey, queryFn: getFeed });
  const [created, setCreated] = useState<CalendarFeedCreated | null>(null);
  const make = useMutation({
    mutationFn: makeFeed,
    onSuccess: (f) => {
      setCreated(f);
      void client.invalidateQueries({ queryKey: feedKey });
    },
  });
  const off = useMutation({
    mutationFn: revokeFeed,
    onSuccess: () => {
      setCreated(null);
      void client.invalidateQueries({ queryKey: feedKey });
    },
  });
  const active = feed.data?.active;
  return (
    <Section title="Calendar feed" testId="settings-feed">
      <p className="text-sm text-slate-700 dark:text-slate-300">
        A private address your calendar app (Google Calendar, Apple Calendar, Outlook…) subscribes to, to show your due tasks with their repeats and
        reminders. Anyone with the address can read it: make a new one to cut them off.
      </p>
      {feed.error && <Result tone="error">{errorMessage(feed.error)}</Result>}
      {feed.data && (
        <p className="text-sm" data-testid="feed-status">
          {active ? `On, address made ${feed.data.created_at ? relativeTime(feed.data.created_at) : ''}.` : 'Off.'}
        </p>
      )}
      {created && <CopyBox label="Your feed address (shown once)" text={created.url} />}
      <div className="flex flex-wrap gap-2">
        <button type="button" className="btn" disabled={make.isPending} onClick={() => make.mutate()}>
          {active ? 'Make a new address' : 'Turn on the feed'}
        </button>
        {active && (
          <button type="button" className="btn" disabled={off.isPending} onClick={() => off.mutate()}>
            Turn off
          </button>
        )}
      </div>
      {(make.error || off.error) && <Result tone="error">{errorMessage(make.error ?? off.error)}</Result>}
    </Section>
  );
}

function TrashSection() {
  const client = useQueryClient();
  const [sure, setSure] = useState(false);
  const [done, setDone] = useState<number | null>(null);
  const run = useMutation({
    mutationFn: emptyTrash,
    onSuccess: (r) => {
      setDone(r.deleted);
      setSure(false);
      void client.invalidateQueries({ queryKey: tasksKey });
    },
  });
  return (
    <Section title="Trash" testId="settings-trash">
      <p className="text-sm text-slate-700 dark:text-slate-300">Deleted tasks wait in the trash until you empty it.</p>
      {!sure ? (
        <button type="button" className="btn" onClick={() => setSure(true)}>Empty the trash…</button>
      ) : (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-sm">Delete every task in the trash for good?</span>
          <button type="button" className="btn border-red-700 text-red-800 dark:text-red-300" disabled={run.isPending} onClick={() => run.mutate()}>
            Yes, empty the trash
          </button>
          <button type="button" className="btn" onClick={() => setSure(false)}>Cancel</button>
        </div>
      )}
      {done !== null && <Result>Deleted {done} task{done === 1 ? '' : 's'} for good.</Result>}
      {run.error && <Result tone="error">{errorMessage(run.error)}</Result>}
    </Section>
  );
}
