import { dictionary } from '@zxcvbn-ts/language-common';

export const passwordLength = { min: 12, max: 256 } as const;

let common: ReadonlySet<string> | undefined;

/** ~50,000 passwords seen most often in breaches (zxcvbn's list), shipped with the app: nothing is looked up online. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common']);
  return common;
}

/** Why a new password is too weak, or null. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < passwordLength.min) return `use at least ${passwordLength.min} characters`;
  if (password.length > passwordLength.max) return `use at most ${passwordLength.max} characters`;
  const lower = password.toLowerCase();
  if (new Set(lower).size < 5) return 'use more different characters';
  if (commonPasswords().has(lower) || commonPasswords().has(lower.replace(/[\d\W_]+$/, '')))
    return 'this password is on a list of common passwords; pick another';
  const localPart = email?.toLowerCase().split('@')[0] ?? '';
  if (localPart.length >= 4 && lower.includes(localPart)) return 'do not build the password from your email address';
  return null;
}
