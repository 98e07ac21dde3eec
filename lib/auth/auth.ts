import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { db } from '../db/client';
import { loadServerKeys } from '../secrets/keys';

/** The public address people open; cookies, redirects and CSRF checks depend on it. */
export function publicUrl(): string {
  return process.env.TESTYARD_URL ?? `http://localhost:${process.env.PORT ?? 3000}`;
}

function trustedOrigins(): string[] {
  const url = new URL(publicUrl());
  const origins = [url.origin];
  for (const alias of ['localhost', '127.0.0.1']) {
    if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') origins.push(`${url.protocol}//${alias}:${url.port}`);
  }
  return origins;
}

function createAuth() {
  const signInPerMinute = Number(process.env.TESTYARD_SIGNIN_PER_MINUTE ?? 10);
  return betterAuth({
    appName: 'Testyard',
    baseURL: publicUrl(),
    secret: loadServerKeys().authSecret,
    trustedOrigins: trustedOrigins(),
    database: prismaAdapter(db(), { provider: 'postgresql' }),
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 256, autoSignIn: true },
    session: { expiresIn: 60 * 60 * 24 * 30, updateAge: 60 * 60 * 24 },
    rateLimit: {
      enabled: true,
      storage: 'database',
      window: 60,
      max: 300,
      customRules: {
        '/sign-in/email': { window: 60, max: signInPerMinute },
        '/sign-up/email': { window: 60, max: signInPerMinute },
      },
    },
    advanced: {
      // The custom server overwrites x-forwarded-for with the socket's address, so clients cannot spoof it.
      ipAddress: { ipAddressHeaders: ['x-forwarded-for'] },
      useSecureCookies: publicUrl().startsWith('https:'),
      defaultCookieAttributes: { httpOnly: true, sameSite: 'lax' },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

const cache = globalThis as unknown as { testyardAuth?: Auth };

export function auth(): Auth {
  cache.testyardAuth ??= createAuth();
  return cache.testyardAuth;
}
