import { format } from 'node:util';

export const redactedMark = '[secret]';

/** Shorter values are not secrets worth the name, and blanking them would blank ordinary words. */
const shortestRedacted = 8;

/**
 * Secret values, blanked by value out of text in every form they could
 * take there: as is, each line of a multi-line key, base64 (standard and
 * URL-safe, at each of the three byte alignments, so they are found inside
 * a longer encoded string such as Basic auth), percent-encoded and
 * JSON-escaped.
 */
export class SecretRedactor {
  private readonly forms = new Set<string>();
  private pattern: RegExp | null = null;

  add(secret: string): void {
    const value = secret.trim();
    if (value.length < shortestRedacted) return;
    const before = this.forms.size;
    for (const form of formsOf(value)) if (form.length >= shortestRedacted) this.forms.add(form);
    if (this.forms.size !== before) {
      // Longest first, so a form that contains another is blanked whole.
      const alternatives = [...this.forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = new RegExp(alternatives.join('|'), 'g');
    }
  }

  get empty(): boolean {
    return this.pattern === null;
  }

  redact(text: string): string {
    if (!this.pattern) return text;
    return text.replace(this.pattern, redactedMark);
  }

  /** Every string in a JSON-like value (keys too), redacted; the same object when nothing changed. */
  redactDeep<T>(value: T): T {
    if (!this.pattern) return value;
    return redactValue(value, this) as T;
  }
}

function redactValue(value: unknown, redactor: SecretRedactor): unknown {
  if (typeof value === 'string') return redactor.redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, redactor));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [redactor.redact(key), redactValue(item, redactor)]));
  }
  return value;
}

function formsOf(value: string): string[] {
  const forms = [value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+'), JSON.stringify(value).slice(1, -1)];
  const lines = value.split(/\r?\n/).map((line) => line.trim());
  if (lines.length > 1) forms.push(...lines.filter((line) => line.length >= 16 && !/^-----/.test(line)));
  const bytes = Buffer.from(value);
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Only the characters that depend on the secret's bytes alone.
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(start, end);
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return forms;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const shared = globalThis as unknown as { testyardSecretRedactor?: SecretRedactor };

/**
 * This process's redactor: every secret the process decrypted is in it (see
 * revealSecret). Events, stored errors, exports and the console pass through it.
 */
export function processRedactor(): SecretRedactor {
  if (!shared.testyardSecretRedactor) {
    shared.testyardSecretRedactor = new SecretRedactor();
    redactConsole(shared.testyardSecretRedactor);
  }
  return shared.testyardSecretRedactor;
}

/** Registers a decrypted secret with this process's redactor. */
export function rememberSecret(value: string): void {
  processRedactor().add(value);
}

/** Text with every secret this process knows blanked out. */
export function redactSecrets(text: string): string {
  return processRedactor().redact(text);
}

/** Log lines go through the redactor too: console.* formats its arguments first, then blanks secrets. */
function redactConsole(redactor: SecretRedactor): void {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (redactor.empty) return original(...args);
      original(redactor.redact(format(...args)));
    };
  }
}
