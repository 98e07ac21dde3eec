import type { FieldIssue } from '../shared/field-issue';

/** Errors the core raises on purpose; the web layer maps each to an HTTP status. */
export class AppError extends Error {
  constructor(
    readonly code: 'invalid' | 'unauthenticated' | 'forbidden' | 'not-found' | 'conflict' | 'gone' | 'too-large',
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

export const invalid = (message: string, issues: FieldIssue[] = []) => new AppError('invalid', message, issues);
export const notFound = (what: string) => new AppError('not-found', `${what} not found`);
export const forbidden = (message: string) => new AppError('forbidden', message);
export const conflict = (message: string) => new AppError('conflict', message);
/** What was asked for existed and is over, e.g. a running attempt's live output once the attempt has ended. */
export const gone = (message: string) => new AppError('gone', message);
export const tooLarge = (message: string) => new AppError('too-large', message);
export const unauthenticated = () => new AppError('unauthenticated', 'sign in or send an API token');
