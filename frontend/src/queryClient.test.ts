import { afterEach, describe, expect, it, vi } from 'vitest';
import { onlineManager } from '@tanstack/react-query';
import { createQueryClient } from './queryClient';

afterEach(() => onlineManager.setOnline(true));

describe('createQueryClient', () => {
  it('never pauses a change while offline to send it later: it is tried now and fails visibly', async () => {
    onlineManager.setOnline(false);
    const client = createQueryClient();
    const send = vi.fn().mockRejectedValue(new Error('Could not reach TaskFlow'));
    const mutation = client.getMutationCache().build(client, { mutationFn: send });
    await expect(mutation.execute(undefined)).rejects.toThrow('Could not reach TaskFlow');
    expect(send).toHaveBeenCalledTimes(1);
    expect(mutation.state.isPaused).toBe(false);
  });
});
