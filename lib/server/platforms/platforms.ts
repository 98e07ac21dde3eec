import { isIP } from 'node:net';
import { z } from 'zod';
import type { Actor } from '../access/actor';
import { requireTeamRole } from '../access/team-access';
import type { Db } from '../db/client';
import { conflict, forbidden, invalid, notFound } from '../errors';
import { normaliseApiUrl } from '../../engine/network/endpoints';
import { operatorPolicy } from '../security/operator-policy';
import { parseInput } from '../validation';
import { fmfContext, kindsNeedingSecret, provisionerConfig, type ProvisionerConfig } from './spec';
import { workerHostRefusal } from './worker-host';

const platformName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\w.@-]+$/, 'use letters, digits, ".", "@", "_" and "-"')
  // A run's pages are /runs/<number>/<platform>/…: this name is taken by its comparison page.
  .refine((name) => name !== 'compare', '"compare" names the comparison page of a run: pick another name');

const platformFields = {
  name: platformName,
  config: provisionerConfig,
  context: fmfContext,
  maxRemotes: z.number().int().min(1).max(1000),
  maxSpares: z.number().int().min(0).max(1000),
  secretId: z.string().min(1).max(100).nullable(),
};
const platformInput = z.object({
  ...platformFields,
  context: fmfContext.default({}),
  maxRemotes: platformFields.maxRemotes.default(1),
  maxSpares: platformFields.maxSpares.default(0),
  secretId: platformFields.secretId.default(null),
});
// No defaults here: a field left out of an update keeps its value.
const platformUpdate = z.object(platformFields).partial();

export interface PlatformInfo {
  id: string;
  name: string;
  config: ProvisionerConfig;
  context: Record<string, string>;
  maxRemotes: number;
  maxSpares: number;
  secretId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

type PlatformRow = Awaited<ReturnType<Db['platform']['findFirstOrThrow']>>;

export async function listPlatforms(db: Db, actor: Actor, teamSlug: string): Promise<PlatformInfo[]> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  const rows = await db.platform.findMany({ where: { teamId: team.id }, orderBy: { name: 'asc' } });
  return rows.map(toInfo);
}

export async function getPlatform(db: Db, actor: Actor, teamSlug: string, id: string): Promise<PlatformInfo> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'viewer');
  return toInfo(await findPlatform(db, team.id, id));
}

export async function createPlatform(db: Db, actor: Actor, teamSlug: string, input: unknown): Promise<PlatformInfo> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const data = parseInput(platformInput, input, 'platform');
  data.config = await checkPlatform(db, team.id, data);
  if (await db.platform.findUnique({ where: { teamId_name: { teamId: team.id, name: data.name } } })) {
    throw conflict(`a platform named ${data.name} already exists in this team`);
  }
  const { config, ...rest } = data;
  return toInfo(await db.platform.create({ data: { ...rest, teamId: team.id, kind: config.kind, config } }));
}

export async function updatePlatform(db: Db, actor: Actor, teamSlug: string, id: string, input: unknown): Promise<PlatformInfo> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const current = toInfo(await findPlatform(db, team.id, id));
  const changes = parseInput(platformUpdate, input, 'platform');
  const merged = { ...current, ...changes };
  const checked = await checkPlatform(db, team.id, merged);
  if (changes.config) changes.config = checked;
  if (
    changes.name &&
    changes.name !== current.name &&
    (await db.platform.findUnique({ where: { teamId_name: { teamId: team.id, name: changes.name } } }))
  ) {
    throw conflict(`a platform named ${changes.name} already exists in this team`);
  }
  const { config, ...rest } = changes;
  const updated = await db.platform.update({
    where: { id },
    data: { ...rest, ...(config ? { kind: config.kind, config } : {}) },
  });
  return toInfo(updated);
}

export async function deletePlatform(db: Db, actor: Actor, teamSlug: string, id: string): Promise<void> {
  const { team } = await requireTeamRole(db, actor, teamSlug, 'admin');
  const { count } = await db.platform.deleteMany({ where: { id, teamId: team.id } });
  if (count === 0) throw notFound('platform');
}

/** Refuses what this server will not run; returns the config as it is stored (a Testing Farm endpoint in one spelling). */
async function checkPlatform(
  db: Db,
  teamId: string,
  platform: { config: ProvisionerConfig; secretId: string | null },
): Promise<ProvisionerConfig> {
  const refusal = workerHostRefusal(platform.config);
  if (refusal) throw forbidden(refusal);
  if (kindsNeedingSecret.has(platform.config.kind) && !platform.secretId) {
    throw invalid(`a ${platform.config.kind} platform needs a secret`, [{ path: 'secretId', message: 'required for this kind' }]);
  }
  if (platform.secretId && !(await db.secret.findFirst({ where: { id: platform.secretId, teamId } }))) {
    throw invalid('unknown secret', [{ path: 'secretId', message: 'no such secret in this team' }]);
  }
  return checkDestinations(platform.config);
}

/**
 * The operator's outbound policy, as far as it can be known now: Testing Farm
 * endpoints from the allowed list, SSH hosts that are not refused addresses.
 * Host names are checked again (resolved) at every connection.
 */
function checkDestinations(config: ProvisionerConfig): ProvisionerConfig {
  const { outbound, testingFarmUrls } = operatorPolicy();
  if (config.kind === 'testing-farm') {
    const apiUrl = config.apiUrl === undefined ? undefined : normaliseApiUrl(config.apiUrl);
    if (apiUrl === null || (apiUrl !== undefined && !testingFarmUrls.includes(apiUrl))) {
      const message = `not a Testing Farm endpoint this server allows; pick one of: ${testingFarmUrls.join(', ')}`;
      throw invalid(`invalid platform: config.apiUrl: ${message}`, [{ path: 'config.apiUrl', message }]);
    }
    return { ...config, apiUrl };
  }
  if (config.kind === 'ssh') {
    const issues = config.hosts.flatMap(({ host }, index) => {
      const reason = isIP(host) ? outbound.refusal(host, host) : null;
      return reason ? [{ path: `config.hosts.${index}.host`, message: `${host} is not reachable from this server: ${reason}` }] : [];
    });
    if (issues.length) throw invalid(`invalid platform: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`, issues);
  }
  return config;
}

async function findPlatform(db: Db, teamId: string, id: string): Promise<PlatformRow> {
  const row = await db.platform.findFirst({ where: { id, teamId } });
  if (!row) throw notFound('platform');
  return row;
}

function toInfo(row: PlatformRow): PlatformInfo {
  return {
    id: row.id,
    name: row.name,
    config: provisionerConfig.parse(row.config),
    context: fmfContext.parse(row.context),
    maxRemotes: row.maxRemotes,
    maxSpares: row.maxSpares,
    secretId: row.secretId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
