// Finding 5: two owners demoting themselves (or each other) at the same
// moment left a team with no owner: the count of owners and the change were
// not one transaction. Membership changes now hold the team's row lock.
import { expect, test } from 'vitest';
import { api } from '../support/api';
import { securityTeam } from './support';

test('two owners stepping down, or removing each other, at once always leave exactly one owner', async () => {
  const t = await securityTeam();
  const people = [t.team.members.owner, t.team.members.admin];
  const roles = async () =>
    new Map(
      ((await api('GET', t.path('/members'), t.owner)).body as { userId: string; role: string }[]).map((member) => [
        member.userId,
        member.role,
      ]),
    );
  for (let round = 0; round < 10; round++) {
    const current = await roles();
    const [a, b] = current.get(people[0]!.id) === 'owner' ? [people[0]!, people[1]!] : [people[1]!, people[0]!];
    expect((await api('PATCH', t.path(`/members/${b.id}`), { token: a.token }, { role: 'owner' })).status).toBe(200);
    const stepDown = round % 2 === 0;
    const results = await Promise.all([
      stepDown
        ? api('PATCH', t.path(`/members/${a.id}`), { token: a.token }, { role: 'admin' })
        : api('PATCH', t.path(`/members/${b.id}`), { token: a.token }, { role: 'admin' }),
      stepDown
        ? api('PATCH', t.path(`/members/${b.id}`), { token: b.token }, { role: 'admin' })
        : api('PATCH', t.path(`/members/${a.id}`), { token: b.token }, { role: 'admin' }),
    ]);
    const statuses = results.map((result) => result.status);
    expect(
      statuses.filter((status) => status === 200),
      JSON.stringify(results.map((result) => result.body)),
    ).toHaveLength(1);
    expect(statuses.every((status) => [200, 403, 409].includes(status))).toBe(true);
    const after = await roles();
    expect([after.get(a.id), after.get(b.id)].filter((role) => role === 'owner')).toHaveLength(1);
  }
});
