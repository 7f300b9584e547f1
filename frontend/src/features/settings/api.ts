import { request } from '../../api/client';
import type {
  CalendarFeed,
  CalendarFeedCreated,
  ImportResult,
  PersonalToken,
  PersonalTokenCreated,
  SignedOut,
  TrashEmptied,
  User,
} from '../../api/types';

export type { CalendarFeedCreated, ImportResult, PersonalTokenCreated };

// Account settings and "your data is yours" (backend/accounts/settings_routes.py,
// token_routes.py, backend/portability/routes.py, backend/tasks/trash_routes.py).

export const tokensKey = ['settings', 'tokens'] as const;
export const feedKey = ['settings', 'feed'] as const;

export const updateProfile = (body: { name?: string; timezone?: string }) => request<User>('/auth/me', { method: 'PATCH', body });
export const changePassword = (body: { current_password: string; new_password: string }) =>
  request<SignedOut>('/auth/password', { method: 'POST', body });
export const signOutEverywhere = () => request<SignedOut>('/auth/sessions', { method: 'DELETE' });
export const deleteAccount = (password: string) => request<void>('/auth/me/delete', { method: 'POST', body: { password } });

export const listTokens = () => request<PersonalToken[]>('/auth/tokens');
export const createToken = (body: { name: string; expires_in_days?: number | null }) =>
  request<PersonalTokenCreated>('/auth/tokens', { method: 'POST', body });
export const revokeToken = (id: string) => request<void>(`/auth/tokens/${id}`, { method: 'DELETE' });

export const getFeed = () => request<CalendarFeed>('/calendar/feed');
export const makeFeed = () => request<CalendarFeedCreated>('/calendar/feed', { method: 'POST' });
export const revokeFeed = () => request<void>('/calendar/feed', { method: 'DELETE' });

export const importFile = (kind: 'json' | 'todoist', text: string) =>
  request<ImportResult>(kind === 'json' ? '/import/json' : '/import/todoist', {
    method: 'POST',
    raw: { text, type: kind === 'json' ? 'application/json' : 'text/csv' },
  });

export const emptyTrash = () => request<TrashEmptied>('/trash', { method: 'DELETE' });

/** Copy-paste configurations of an MCP client for a new token. */
export function mcpConfigs(origin: string, token: string): { label: string; text: string }[] {
  return [
    { label: 'Claude Code (command line)', text: `claude mcp add --transport http taskflow ${origin}/mcp --header "Authorization: Bearer ${token}"` },
    {
      label: 'Any client over HTTP (JSON)',
      text: JSON.stringify({ mcpServers: { taskflow: { type: 'http', url: `${origin}/mcp`, headers: { Authorization: `Bearer ${token}` } } } }, null, 2),
    },
    {
      label: 'Desktop client on this machine, stdio (claude_desktop_config.json)',
      text: JSON.stringify({ mcpServers: { taskflow: { command: 'taskflow', args: ['mcp'], env: { TASKFLOW_TOKEN: token } } } }, null, 2),
    },
  ];
}
