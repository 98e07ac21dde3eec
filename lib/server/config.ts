import path from 'node:path';

/*
 * The settings of the web server and the worker, each read from the
 * environment here and nowhere else. README.md's table under "Running it" lists
 * the same TESTYARD_* names (tests/layout/configuration.test.ts checks both
 * ways). The operator's outbound policy has its own parser
 * (security/operator-policy.ts), which reads its variables through `environment()`.
 */

type Environment = Record<string, string | undefined>;

/** The process environment, the one source of every setting. */
export function environment(): Environment {
  return process.env;
}

function text(name: string): string | undefined {
  const value = environment()[name]?.trim();
  return value ? value : undefined;
}

function integer(name: string, fallback: number, { min, max }: { min: number; max: number }): number {
  const raw = text(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not '${raw}'`);
  return value;
}

function seconds(name: string, fallback: number, max: number): number {
  const raw = text(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(value > 0 && value <= max)) throw new Error(`${name} must be a number of seconds above 0 and up to ${max}, not '${raw}'`);
  return value;
}

function flag(name: string): boolean {
  return text(name) === '1';
}

/** The folder holding the embedded database, artifacts and generated keys. */
export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ text('TESTYARD_DATA_DIR') ?? '.data');
}

/** The checkout's root (where prisma/ and .next/ are), for the processes run from it with tsx. */
export function projectRoot(): string {
  return path.resolve(import.meta.dirname, '../..');
}

/** An external PostgreSQL, or none: `npm start` then runs the embedded one and sets it for its children. */
export function databaseUrl(): string | undefined {
  return text('DATABASE_URL');
}

export function requireDatabaseUrl(): string {
  const url = databaseUrl();
  if (!url) throw new Error('DATABASE_URL is not set: start Testyard with `npm start`, which provides it');
  return url;
}

export function embeddedDatabasePort(): number {
  return integer('TESTYARD_PG_PORT', 54329, { min: 1, max: 65535 });
}

export function webPort(): number {
  return integer('PORT', 3000, { min: 1, max: 65535 });
}

export function webHost(): string {
  return text('HOST') ?? '0.0.0.0';
}

/** The address people open: cookies, CSRF checks and links in mails use it. */
export function publicUrl(): string {
  return text('TESTYARD_URL') ?? `http://localhost:${webPort()}`;
}

export function artifactsDir(): string {
  return text('TESTYARD_ARTIFACTS_DIR') ?? path.join(dataDir(), 'artifacts');
}

/** Base64 of 32 bytes, and Better Auth's secret; without them both come from a generated key file. */
export function configuredKeys(): { encryptionKey?: string; authSecret?: string } {
  return { encryptionKey: text('TESTYARD_SECRET_KEY'), authSecret: text('BETTER_AUTH_SECRET') };
}

export function signInAttemptsPerMinute(): number {
  return integer('TESTYARD_SIGNIN_PER_MINUTE', 10, { min: 1, max: 1_000_000 });
}

export function workerConcurrency(): number {
  return integer('TESTYARD_WORKER_CONCURRENCY', 4, { min: 1, max: 1000 });
}

/** The platform kinds a worker is limited to, or null for every kind it can serve. */
export function workerKinds(): string[] | null {
  const raw = text('TESTYARD_WORKER_KINDS');
  return raw
    ? raw
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean)
    : null;
}

/** The container engine (Docker or Podman API) of container platforms. */
export function containerEngineHost(): string | undefined {
  return text('TESTYARD_DOCKER_HOST') ?? text('DOCKER_HOST');
}

export function containerNetworkMode(): string | undefined {
  return text('TESTYARD_CONTAINER_NETWORK');
}

/** Platforms that run tests on the worker host itself. */
export function localPlatformsEnabled(): boolean {
  return flag('TESTYARD_ENABLE_LOCAL');
}

/** libvirt platforms on the worker host's own libvirt (`qemu:///system`). */
export function localLibvirtEnabled(): boolean {
  return flag('TESTYARD_ENABLE_LOCAL_LIBVIRT');
}

export function exampleImage(): string {
  return text('TESTYARD_EXAMPLE_IMAGE') ?? 'docker.io/library/fedora:latest';
}

/** How often a failing webhook delivery is tried, and the wait after the first failure (doubling after each). */
export function webhookRetries(): { attempts: number; firstRetrySeconds: number } {
  return {
    attempts: integer('TESTYARD_WEBHOOK_ATTEMPTS', 6, { min: 1, max: 20 }),
    firstRetrySeconds: seconds('TESTYARD_WEBHOOK_RETRY_SECONDS', 30, 3600),
  };
}

/** The SMTP server of account mails; without one they go to the data folder and the log. */
export function smtpUrl(): string | undefined {
  return text('TESTYARD_SMTP_URL');
}

export function mailSender(): string {
  return text('TESTYARD_MAIL_FROM') ?? 'Testyard <testyard@localhost>';
}
