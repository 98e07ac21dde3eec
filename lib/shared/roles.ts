import type { Role } from '../generated/prisma/enums';

export type { Role };
export const roles = ['viewer', 'member', 'admin', 'owner'] as const satisfies readonly Role[];

/** viewer reads; member starts runs and comments; admin manages the team's setup and members; owner deletes the team. */
export function hasRole(actual: Role, needed: Role): boolean {
  return roles.indexOf(actual) >= roles.indexOf(needed);
}
