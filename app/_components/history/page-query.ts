import { AppError } from '@/lib/server/errors';

/** A page's query string as the services take it: the first value of each parameter. */
export function queryOf(searchParams: Record<string, string | string[] | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(searchParams).flatMap(([key, value]) => {
      const first = Array.isArray(value) ? value[0] : value;
      return first === undefined || first === '' ? [] : [[key, first]];
    }),
  );
}

/** Runs `read`; a bad query becomes the message to show instead of an error page. */
export async function readOrInvalid<T>(read: () => Promise<T>): Promise<{ data: T } | { invalid: string }> {
  try {
    return { data: await read() };
  } catch (error) {
    if (error instanceof AppError && error.code === 'invalid') return { invalid: error.message };
    throw error;
  }
}
