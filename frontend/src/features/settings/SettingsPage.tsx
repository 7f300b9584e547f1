import { useMemo, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import type { User } from '../../api/types';
import { browserTimeZone } from '../../lib/time';
import { useSession } from '../auth';
import { changePassword, deleteAccount, signOutEverywhere, updateProfile } from './api';
import { DataSection } from './DataSection';
import { Result, Section } from './parts';
import { TokensSection } from './TokensSection';

/** `/settings`: profile, password, tokens, data, calendar feed, trash, sign out everywhere, delete account. */
export function SettingsPage() {
  const session = useSession();
  const user = session.user;
  if (!user) return null;
  return (
    <section aria-labelledby="view-title" className="space-y-4">
      <h2 id="view-title" className="text-xl font-semibold">Settings</h2>
      <Profile user={user} onSaved={session.updated} />
      <Password />
      <TokensSection />
      <DataSection />
      <Danger onSignedOut={session.signedOut} />
    </section>
  );
}

function zones(): string[] {
  try {
    return (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

function Profile({ user, onSaved }: { user: User; onSaved: (user: User) => void }) {
  const [name, setName] = useState(user.name);
  const [timezone, setTimezone] = useState(user.timezone);
  const all = useMemo(zones, []);
  const save = useMutation({ mutationFn: () => updateProfile({ name: name.trim(), timezone: timezone.trim() }), onSuccess: onSaved });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Section title="Profile" testId="settings-profile">
      <form onSubmit={submit} className="space-y-3">
        <p className="text-sm text-slate-700 dark:text-slate-300">Signed in as {user.email}</p>
        <div>
          <label htmlFor="profile-name" className="label">Name</label>
          <input id="profile-name" className="input" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
        </div>
        <div>
          <label htmlFor="profile-zone" className="label">Time zone</label>
          <div className="flex flex-wrap gap-2">
            <input id="profile-zone" className="input w-64" list="profile-zones" required value={timezone} onChange={(e) => setTimezone(e.target.value)} aria-describedby="profile-zone-hint" />
            <button type="button" className="btn" onClick={() => setTimezone(browserTimeZone())}>Use this device’s ({browserTimeZone()})</button>
          </div>
          <p id="profile-zone-hint" className="mt-1 text-xs text-slate-600 dark:text-slate-400">“Today”, quick add and new tasks use it.</p>
          <datalist id="profile-zones">
            {all.map((z) => <option key={z} value={z} />)}
          </datalist>
        </div>
        <button type="submit" className="btn-primary" disabled={save.isPending}>Save profile</button>
        {save.isSuccess && <Result>Saved.</Result>}
        {save.error && <Result tone="error">{errorMessage(save.error)}</Result>}
      </form>
    </Section>
  );
}

function Password() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const save = useMutation({
    mutationFn: () => changePassword({ current_password: current, new_password: next }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Section title="Password" testId="settings-password">
      <form onSubmit={submit} className="space-y-3">
        <div>
          <label htmlFor="pw-current" className="label">Current password</label>
          <input id="pw-current" type="password" className="input" required autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        </div>
        <div>
          <label htmlFor="pw-new" className="label">New password</label>
          <input id="pw-new" type="password" className="input" required minLength={8} autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} aria-describedby="pw-new-hint" />
          <p id="pw-new-hint" className="mt-1 text-xs text-slate-600 dark:text-slate-400">At least 8 characters. Your other sign-ins are signed out; this one stays.</p>
        </div>
        <button type="submit" className="btn-primary" disabled={save.isPending}>Change password</button>
        {save.data && (
          <Result>
            Password changed. {save.data.sessions === 0 ? 'No other sign-ins were open.' : `Signed out ${save.data.sessions} other sign-in${save.data.sessions === 1 ? '' : 's'}.`}
          </Result>
        )}
        {save.error && <Result tone="error">{errorMessage(save.error)}</Result>}
      </form>
    </Section>
  );
}

function Danger({ onSignedOut }: { onSignedOut: () => void }) {
  const [confirming, setConfirming] = useState<null | 'everywhere' | 'delete'>(null);
  const [password, setPassword] = useState('');
  const everywhere = useMutation({ mutationFn: signOutEverywhere, onSuccess: onSignedOut });
  const remove = useMutation({ mutationFn: () => deleteAccount(password), onSuccess: onSignedOut });
  return (
    <Section title="Sign-ins and account" testId="settings-danger">
      <div className="space-y-2">
        <p className="text-sm text-slate-700 dark:text-slate-300">Sign out on every device and browser, this one too, and revoke every personal access token.</p>
        {confirming !== 'everywhere' ? (
          <button type="button" className="btn" onClick={() => setConfirming('everywhere')}>Sign out everywhere…</button>
        ) : (
          <div className="flex flex-wrap gap-2">
            <button type="button" className="btn border-red-700 text-red-800 dark:text-red-300" disabled={everywhere.isPending} onClick={() => everywhere.mutate()}>
              Yes, sign out everywhere
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(null)}>Cancel</button>
          </div>
        )}
        {everywhere.error && <Result tone="error">{errorMessage(everywhere.error)}</Result>}
      </div>
      <div className="space-y-2 border-t border-slate-200 pt-3 dark:border-slate-800">
        <p className="text-sm text-slate-700 dark:text-slate-300">Delete your account and everything in it: tasks, tags, history, tokens. This cannot be undone; export your data first if you want to keep it.</p>
        {confirming !== 'delete' ? (
          <button type="button" className="btn border-red-700 text-red-800 dark:text-red-300" onClick={() => setConfirming('delete')}>Delete account…</button>
        ) : (
          <form
            className="flex flex-wrap items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              remove.mutate();
            }}
          >
            <div>
              <label htmlFor="delete-password" className="label">Your password, to confirm</label>
              <input id="delete-password" type="password" className="input" required autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </div>
            <button type="submit" className="btn border-red-700 bg-red-700 text-white hover:bg-red-800 dark:bg-red-600" disabled={remove.isPending}>
              Delete my account for good
            </button>
            <button type="button" className="btn" onClick={() => setConfirming(null)}>Cancel</button>
          </form>
        )}
        {remove.error && <Result tone="error">{errorMessage(remove.error)}</Result>}
      </div>
    </Section>
  );
}
