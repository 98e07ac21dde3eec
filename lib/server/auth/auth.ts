import { betterAuth } from 'better-auth';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { db } from '../db/client';
import { trustedOrigins } from '../http/origins';
import { sendMail } from '../mail/mailer';
import { loadServerKeys } from '../secrets/keys';
import { findUnsafeText, inputLimits } from '../validation';
import { passwordLength, passwordProblem } from './password-policy';
import { publicUrl, signInAttemptsPerMinute } from '../config';

/**
 * What better-auth's own routes take from people, checked before they act:
 * new passwords against the policy, names bounded, no text that cannot be stored.
 */
const checkAccountInput = createAuthMiddleware(async (ctx) => {
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  const refuse = (message: string) => {
    throw new APIError('BAD_REQUEST', { message, code: 'INVALID_INPUT' });
  };
  const unsafe = findUnsafeText(body);
  if (unsafe) refuse(`${unsafe.path}: ${unsafe.message}`);
  if (typeof body.name === 'string' && body.name.length > inputLimits.nameLength)
    refuse(`name: use at most ${inputLimits.nameLength} characters`);
  if (typeof body.email === 'string' && body.email.length > 320) refuse('email: too long');
  const newPassword =
    ctx.path === '/sign-up/email'
      ? body.password
      : ['/change-password', '/reset-password', '/set-password'].includes(ctx.path)
        ? body.newPassword
        : undefined;
  if (typeof newPassword === 'string') {
    const problem = passwordProblem(newPassword, typeof body.email === 'string' ? body.email : undefined);
    if (problem) refuse(`password: ${problem}`);
  }
});

function createAuth() {
  const signInPerMinute = signInAttemptsPerMinute();
  return betterAuth({
    appName: 'Testyard',
    baseURL: publicUrl(),
    secret: loadServerKeys().authSecret,
    trustedOrigins: trustedOrigins(),
    database: prismaAdapter(db(), { provider: 'postgresql' }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: passwordLength.min,
      maxPasswordLength: passwordLength.max,
      // No session until the address is confirmed: invitations are bound to addresses, and sign-up
      // then answers the same whether or not the address already has an account.
      requireEmailVerification: true,
      onExistingUserSignUp: async ({ user }) => {
        await sendMail({
          to: user.email,
          subject: 'Someone tried to sign up with your address',
          text: `Someone (maybe you) tried to create a Testyard account for ${user.email}, which already has one.\nSign in at ${publicUrl()}/sign-in instead. If it was not you, you can ignore this mail.`,
        });
      },
    },
    emailVerification: {
      sendOnSignUp: true,
      sendOnSignIn: true,
      autoSignInAfterVerification: true,
      expiresIn: 24 * 3600,
      sendVerificationEmail: async ({ user, url }) => {
        await sendMail({
          to: user.email,
          subject: 'Confirm your email address for Testyard',
          text: `Open this link to confirm ${user.email} and sign in to Testyard:\n\n${url}\n\nThe link works for 24 hours. If you did not sign up, ignore this mail.`,
        });
      },
    },
    hooks: { before: checkAccountInput },
    session: { expiresIn: 60 * 60 * 24 * 30, updateAge: 60 * 60 * 24 },
    rateLimit: {
      enabled: true,
      storage: 'database',
      window: 60,
      max: 300,
      customRules: {
        '/sign-in/email': { window: 60, max: signInPerMinute },
        '/sign-up/email': { window: 60, max: signInPerMinute },
        '/send-verification-email': { window: 60, max: signInPerMinute },
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
