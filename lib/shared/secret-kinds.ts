export const secretKinds = ['ssh-private-key', 'token', 'other'] as const;
