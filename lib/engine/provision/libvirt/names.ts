/**
 * Names that reach virsh's command line and the XML we write. A leading
 * letter or digit keeps them from reading as options; no slashes, quotes or
 * spaces keeps them from reading as paths or markup.
 */
export const libvirtName = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}$/;

/** A glob over domain names: the name characters plus `*` (any run) and `?` (one character). */
export const domainGlob = /^[A-Za-z0-9*?][A-Za-z0-9_.+*?-]{0,99}$/;

/** The glob as an anchored regular expression; only `*` and `?` are special, so nothing can backtrack badly. */
export function globMatcher(glob: string): (name: string) => boolean {
  if (!domainGlob.test(glob)) throw new Error(`domain pattern "${glob}" may hold only letters, digits, _ . + - and the wildcards * ?`);
  const source = glob.replace(/[.+]/g, '\\$&').replace(/\*+/g, '[^]*').replace(/\?/g, '[^]');
  const pattern = new RegExp(`^${source}$`);
  return (name) => libvirtName.test(name) && pattern.test(name);
}

/** Text for an XML attribute value or element content. */
export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
