import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { request } from '../../api/client';
import type { Tag, TagIn } from '../../api/types';

export const tagsKey = ['tags'] as const;

export function useTags() {
  return useQuery({ queryKey: tagsKey, queryFn: () => request<Tag[]>('/tags'), staleTime: 30_000 });
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
