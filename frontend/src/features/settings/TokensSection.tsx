import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { errorMessage } from '../../api/client';
import { relativeTime } from '../../lib/time';
import { createToken, listTokens, mcpConfigs, revokeToken, tokensKey, type PersonalTokenCreated } from './api';
import { CopyBox, Result, Section } from './parts';

const EXPIRY = [
  { days: 30, label: '30 days' },
  { days: 90, label: '90 days' },
  { days: 365, label: '1 year' },
  { days: 0, label: 'Never (until revoked)' },
];

/** Personal access tokens for MCP clients and scripts: create (shown once), list, revoke. */
export function TokensSection() {
  const client = useQueryClient();
  const tokens = useQuery({ queryKey: tokensKey, queryFn: listTokens });
  const [name, setName] = useState('');
  const [days, setDays] = useState(90);
  const [created, setCreated] = useState<PersonalTokenCreated | null>(null);
  const create = useMutation({
    mutationFn: () => createToken({ name: name.trim(), expires_in_days: days || null }),
    onSuccess: (token) => {
      setCreated(token);
      setName('');
      void client.invalidateQueries({ queryKey: tokensKey });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => revokeToken(id),
    onSuccess: () => void client.invalidateQueries({ queryKey: tokensKey }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate();
  };
  return (
    <Section title="Personal access tokens" testId="settings-tokens">
      <p className="text-sm text-slate-700 dark:text-slate-300">
        A token lets an MCP client (Claude Desktop, Claude Code…) or a script use TaskFlow as you. It is shown once.
      </p>
      <form onSubmit={submit} className="flex flex-wrap items-end gap-2">
        <div className="min-w-[12rem] flex-1">
          <label htmlFor="token-name" className="label">Token name</label>
          <input id="token-name" className="input" maxLength={100} placeholder="e.g. Claude Desktop" value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div>
          <label htmlFor="token-expiry" className="label">Expires</label>
          <select id="token-expiry" className="input w-auto" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {EXPIRY.map((x) => (
              <option key={x.days} value={x.days}>{x.label}</option>
            ))}
          </select>
        </div>
        <button type="submit" className="btn-primary" disabled={!name.trim() || create.isPending}>Create token</button>
      </form>
      {create.error && <Result tone="error">{errorMessage(create.error)}</Result>}
      {created && (
        <div className="space-y-2 rounded border border-amber-500 bg-amber-50 p-3 dark:bg-amber-950" data-testid="new-token">
          <p className="text-sm font-semibold text-amber-950 dark:text-amber-50">Copy it now: “{created.name}” will not be shown again.</p>
          <CopyBox label="Token" text={created.token} />
          {mcpConfigs(window.location.origin, created.token).map((c) => (
            <CopyBox key={c.label} label={c.label} text={c.text} multiline={c.text.includes('\n')} />
          ))}
          <button type="button" className="btn" onClick={() => setCreated(null)}>Done, I have copied it</button>
        </div>
      )}
      {tokens.error && <Result tone="error">{errorMessage(tokens.error)}</Result>}
      {tokens.data && tokens.data.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">No tokens yet.</p>}
      {tokens.data && tokens.data.length > 0 && (
        <ul className="divide-y divide-slate-200 dark:divide-slate-800" aria-label="Your tokens">
          {tokens.data.map((t) => (
            <li key={t.id} className="flex flex-wrap items-center gap-2 py-2 text-sm" data-testid="token-row">
              <div className="min-w-0 flex-1">
                <p className="font-medium">{t.name}</p>
                <p className="text-xs text-slate-600 dark:text-slate-400">
                  <span className="font-mono">{t.prefix}…</span> · created {relativeTime(t.created_at)} ·{' '}
                  {t.last_used_at ? `last used ${relativeTime(t.last_used_at)}` : 'never used'} ·{' '}
                  {t.expires_at ? `expires ${relativeTime(t.expires_at)}` : 'does not expire'}
                </p>
              </div>
              <button type="button" className="btn" aria-label={`Revoke “${t.name}”`} disabled={revoke.isPending} onClick={() => revoke.mutate(t.id)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
      {revoke.error && <Result tone="error">{errorMessage(revoke.error)}</Result>}
    </Section>
  );
}
