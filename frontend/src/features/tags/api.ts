import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import type { Tag, TagIn } from '../../api/types';

export const tagsKey = ['tags'] as const;
const fetchTags = () => request<Tag[]>('/tags');

export function useTags() {
  return useQuery({ queryKey: tagsKey, queryFn: fetchTags, staleTime: 30_000 });
}

/** Load the tags before the app renders (the filter bar's chips and the rows' colours). */
export function prefetchTags(client: QueryClient): Promise<void> {
  return client.prefetchQuery({ queryKey: tagsKey, queryFn: fetchTags });
}

export function useCreateTag() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: TagIn) => request<Tag>('/tags', { method: 'POST', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: tagsKey }),
  });
}

export function useUpdateTag() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...body }: TagIn & { id: string }) => request<Tag>(`/tags/${id}`, { method: 'PATCH', body }),
    onSuccess: () => client.invalidateQueries({ queryKey: tagsKey }),
  });
}

export const TAG_COLORS = ['#ef4444', '#f97316', '#eab308', '#22c55e', '#14b8a6', '#3b82f6', '#8b5cf6', '#ec4899', '#64748b'];
