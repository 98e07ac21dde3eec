import { hasRole } from '@/lib/shared/roles';
import { db } from '@/lib/server/db/client';
import { listInvitations } from '@/lib/server/teams/invitations';
import { listMembers } from '@/lib/server/teams/members';
import { ResourceLayout } from '../../../_components/resource-layout';
import { requireTeamPage } from '../../../_lib/session';
import { InviteForm, MemberActions } from './member-forms';

export default async function MembersPage({ params }: { params: Promise<{ team: string }> }) {
  const { actor, team, role } = await requireTeamPage((await params).team);
  const isAdmin = hasRole(role, 'admin');
  const [members, invitations] = await Promise.all([
    listMembers(db(), actor, team.slug),
    isAdmin ? listInvitations(db(), actor, team.slug) : [],
  ]);
  return (
    <ResourceLayout title="Members" side={isAdmin ? { title: 'Invite someone', content: <InviteForm teamSlug={team.slug} /> } : null}>
      <table className="table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.userId} data-testid={`member-${member.email}`}>
              <td>{member.name}</td>
              <td>{member.email}</td>
              <td>
                {isAdmin && member.userId !== actor.userId ? (
                  <MemberActions teamSlug={team.slug} userId={member.userId} role={member.role} />
                ) : (
                  member.role
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {invitations.length > 0 && (
        <>
          <h3 className="mt-6 mb-2 text-sm font-semibold">Open invitations</h3>
          <ul className="text-sm">
            {invitations.map((invitation) => (
              <li key={invitation.id}>
                {invitation.email} as {invitation.role}, until {invitation.expiresAt.toISOString().slice(0, 10)}
              </li>
            ))}
          </ul>
        </>
      )}
    </ResourceLayout>
  );
}
