/**
 * A mention in a comment is `@[Name]`: the brackets let names hold spaces,
 * and the autocomplete in the comment box writes them. Only names of the
 * team's members count; any other `@[…]` stays plain text.
 */
export const mentionPattern = /@\[([^\]\n]{1,100})\]/g;

/** The names a text mentions, each once, as written. */
export function mentionedNames(text: string): string[] {
  return [...new Set([...text.matchAll(mentionPattern)].map((match) => match[1]!.trim()))];
}

/** How a name is written as a mention. */
export function mentionOf(name: string): string {
  return `@[${name.replace(/[\]\n]/g, ' ')}]`;
}
