import { useState, type FormEvent } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import type { User } from '../../api/types';
import { browserTimeZone } from '../../lib/time';
import { login, signup } from './api';

interface Props {
  expired: boolean;
  onSignedIn: (user: User) => void;
}

/** Sign in or create an account; shows the API's problem detail and per-field messages. */
export function AuthScreen({ expired, onSignedIn }: Props) {
  const [mode, setMode] = useState<'signin' | 'signup'>('signin');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const out =
        mode === 'signup'
          ? await signup({ email, password, name: name.trim() || email.split('@')[0] || email, timezone: browserTimeZone() })
          : await login({ email, password });
      onSignedIn(out.user);
    } catch (err) {
      setError(errorMessage(err));
      if (err instanceof ApiError) setFields(err.fieldErrors());
    } finally {
      setBusy(false);
    }
  };

  const field = (key: string) =>
    fields[key] ? (
      <p id={`auth-${key}-error`} className="mt-1 text-sm text-red-700 dark:text-red-400">
        {fields[key]}
      </p>
    ) : null;

  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center px-4">
      <h1 className="mb-1 text-3xl font-bold">TaskFlow</h1>
      <p className="mb-6 text-slate-600 dark:text-slate-300">
        {mode === 'signin' ? 'Sign in to your tasks.' : 'Create your account.'}
      </p>
      {expired && (
        <p role="status" className="mb-4 rounded bg-amber-100 p-3 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100">
          Your session ended. Sign in again — what you were typing is kept.
        </p>
      )}
      <form onSubmit={submit} className="space-y-4" noValidate aria-label={mode === 'signin' ? 'Sign in' : 'Sign up'}>
        {mode === 'signup' && (
          <div>
            <label htmlFor="auth-name" className="label">Name</label>
            <input id="auth-name" className="input" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} aria-describedby={fields.name ? 'auth-name-error' : undefined} />
            {field('name')}
          </div>
        )}
        <div>
          <label htmlFor="auth-email" className="label">Email</label>
          <input id="auth-email" className="input" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={Boolean(fields.email)} aria-describedby={fields.email ? 'auth-email-error' : undefined} />
          {field('email')}
        </div>
        <div>
          <label htmlFor="auth-password" className="label">Password</label>
          <input id="auth-password" className="input" type="password" required minLength={mode === 'signup' ? 8 : 1} autoComplete={mode === 'signup' ? 'new-password' : 'current-password'} value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={Boolean(fields.password)} aria-describedby={fields.password ? 'auth-password-error' : 'auth-password-hint'} />
          {mode === 'signup' && !fields.password && (
            <p id="auth-password-hint" className="mt-1 text-xs text-slate-600 dark:text-slate-400">At least 8 characters.</p>
          )}
          {field('password')}
        </div>
        {error && (
          <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
            {error}
          </p>
        )}
        <button type="submit" className="btn-primary w-full" disabled={busy}>
          {mode === 'signin' ? 'Sign in' : 'Create account'}
        </button>
      </form>
      <button
        type="button"
        className="mt-4 text-sm text-blue-700 underline dark:text-blue-300"
        onClick={() => {
          setMode(mode === 'signin' ? 'signup' : 'signin');
          setError(null);
          setFields({});
        }}
      >
        {mode === 'signin' ? 'New here? Create an account' : 'Have an account? Sign in'}
      </button>
    </main>
  );
}
