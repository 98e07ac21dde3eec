import { inject } from 'vitest';
import { createDb } from '../../lib/server/db/client';
import { api } from '../support/api';

/** A quarantined system of a fresh platform of the team, as the worker records one; returns its SystemHealth id. */
export async function quarantinedSystem(team: { slug: string; id: string }, ownerToken: string): Promise<string> {
  const platform = await api(
    'POST',
    `/api/v1/teams/${team.slug}/platforms`,
    { token: ownerToken },
    {
      name: `pool-${Date.now()}-${Math.random().toString(36).slice(2)}`,
      config: { kind: 'container', image: 'debian:12' },
    },
  );
  const db = createDb(inject('databaseUrl'));
  try {
    const system = await db.systemHealth.create({
      data: {
        teamId: team.id,
        platformId: platform.body.id,
        system: 'image:debian:12',
        consecutiveFailures: 2,
        failures: 2,
        lastError: 'setup failed: no such image',
        lastFailureAt: new Date(),
        quarantinedAt: new Date(),
      },
      select: { id: true },
    });
    return system.id;
  } finally {
    await db.$disconnect();
  }
}
