// Comments, mentions and the inbox, webhooks and the audit log through the
// shared app's REST API, with its worker delivering webhooks for real: a run
// on a loopback sshd fails one test and finishes; one local receiver checks
// the signatures, another answers 500 until the delivery gives up.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import type { PresenceViewer } from '../../lib/shared/events/collaboration';
import { rooms } from '../../lib/shared/rooms';
import { renderMarkdown } from '../../lib/shared/markdown';
import { createDb } from '../../lib/server/db/client';
import { createJobQueue } from '../../lib/server/runs/job-queue';
import { emitKnownIssueMatched } from '../../lib/server/webhooks/run-events';
import { verifySignature } from '../../lib/server/webhooks/signature';
import { mailsTo } from '../support/accounts';
import { api, signUp, teamWithAllRoles } from '../support/api';
import { fixtureTreeCopy } from '../support/fixture-trees';
import { startApp } from '../support/app-server';
import { startSshd, type SshServer } from '../support/sshd';
import { runWithFailedTest } from './run-pages-fixtures';

type Team = Awaited<ReturnType<typeof teamWithAllRoles>>;

let team: Team;
let run: Awaited<ReturnType<typeof runWithFailedTest>>;
let comments: string;
const as = (role: keyof Team['members']) => ({ token: team.members[role].token });

beforeAll(async () => {
  team = await teamWithAllRoles();
  run = await runWithFailedTest(team.team, team.members.owner.token);
  comments = `/api/v1/teams/${team.team.slug}/runs/${run.number}/comments`;
}, 120_000);

describe('comments', () => {
  test('members comment on a result page and on the run; viewers read them; the page query keeps them apart', async () => {
    const onResult = await api('POST', comments, as('member'), {
      body: 'Looks like **flaky** DNS',
      platform: run.platform,
      test: '/tests/seeded',
    });
    expect(onResult.status).toBe(201);
    expect(onResult.body).toMatchObject({ body: 'Looks like **flaky** DNS', platform: run.platform, test: '/tests/seeded' });
    const onRun = await api('POST', comments, as('admin'), { body: 'Whole run was on the old image' });
    expect(onRun.status).toBe(201);

    const resultList = await api(
      'GET',
      `${comments}?${new URLSearchParams({ platform: run.platform, test: '/tests/seeded' })}`,
      as('viewer'),
    );
    expect(resultList.status).toBe(200);
    expect(resultList.body.map((comment: { id: string }) => comment.id)).toEqual([onResult.body.id]);
    const runList = await api('GET', comments, as('viewer'));
    expect(runList.body.map((comment: { id: string }) => comment.id)).toEqual([onRun.body.id]);

    expect((await api('POST', comments, as('viewer'), { body: 'me too' })).status).toBe(403);
  });

  test('only the author edits; the author or an admin deletes; every change is in the audit log', async () => {
    const created = await api('POST', comments, as('member'), { body: 'first take' });
    const url = `${comments}/${created.body.id}`;
    expect((await api('PATCH', url, as('admin'), { body: 'hijacked' })).status).toBe(403);
    const edited = await api('PATCH', url, as('member'), { body: 'second take' });
    expect(edited.status).toBe(200);
    expect(edited.body.body).toBe('second take');
    expect(edited.body.updatedAt > edited.body.createdAt).toBe(true);

    const other = await api('POST', comments, as('admin'), { body: 'admin note' });
    expect((await api('DELETE', `${comments}/${other.body.id}`, as('member'))).status).toBe(403);
    expect((await api('DELETE', url, as('admin'))).status).toBe(204);
    expect((await api('DELETE', url, as('admin'))).status).toBe(404);

    const audit = await api('GET', `/api/v1/teams/${team.team.slug}/audit?subjectType=comment&subjectId=${created.body.id}`, as('admin'));
    expect(audit.status).toBe(200);
    expect(audit.body.map((entry: { action: string }) => entry.action)).toEqual(['comment.deleted', 'comment.edited', 'comment.created']);
    expect(audit.body[0].actor.id).toBe(team.members.admin.id);
    expect(audit.body[1].details.before).toBe('first take');
  });

  test('hostile input is a 4xx naming the field', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ body: 'x'.repeat(10_001) }, 400, /body/],
      [{ body: '   ' }, 400, /body: a comment needs some text/],
      [{ body: 'hi', platform: run.platform }, 400, /give both platform and test/],
      [{ body: 'hi', platform: run.platform, test: '/tests/none-such' }, 404, /test result not found/],
      [{ body: 'hi', platform: 'other', test: '/tests/seeded' }, 404, /test result not found/],
      [{ body: 42 }, 400, /body/],
      [{ body: 'a\u0000b' }, 400, /NUL/],
    ];
    for (const [body, status, message] of cases) {
      const response = await api('POST', comments, as('member'), body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect(response.body.error).toMatch(message);
    }
    expect((await api('PATCH', `${comments}/no-such-comment`, as('member'), { body: 'x' })).status).toBe(404);
    expect((await api('GET', `${comments}?platform=${run.platform}`, as('viewer'))).status).toBe(400);
  });

  test('another team cannot read or write them', async () => {
    const outsider = await signUp('outsider');
    expect((await api('GET', comments, outsider)).status).toBe(404);
    expect((await api('POST', comments, outsider, { body: 'hello' })).status).toBe(404);
  });
});

describe('Markdown', () => {
  test('raw HTML is escaped, script links are not links, images are off', () => {
    const attacks = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '[click](javascript:alert(1))',
      '[click](JaVaScRiPt:alert(1))',
      '[click](&#106;avascript:alert(1))',
      '[click](vbscript:msgbox(1))',
      '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '![x](https://tracker.example/pixel.png)',
      '<a href="javascript:alert(1)">x</a>',
      '`<b>` **<i>bold</i>**',
      '@[<svg onload=alert(1)>]',
    ];
    for (const attack of attacks) {
      const html = renderMarkdown(attack);
      expect(html, attack).not.toMatch(/<(script|img|svg|iframe|i|b)\b/i);
      expect(html, attack).not.toMatch(/href="(javascript|vbscript|data):/i);
      // an event handler attribute inside a real tag (escaped text such as "&lt;img onerror=…" is harmless)
      expect(html, attack).not.toMatch(/<[^>]*\son\w+=/i);
    }
  });

  test('ordinary Markdown renders, links open safely, mentions are marked', () => {
    const html = renderMarkdown('**bold** and `code`\n\n- [docs](https://example.com/x)\n\n@[Ann Lee] please look');
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('<code>code</code>');
    expect(html).toContain('<a href="https://example.com/x" target="_blank" rel="noopener noreferrer nofollow">docs</a>');
    expect(html).toContain('<span class="mention" data-mention="">@Ann Lee</span>');
  });
});

describe('mentions and the inbox', () => {
  test('a mention of a member notifies them (inbox, unread count, mail); non-members and the author are ignored', async () => {
    const viewer = team.members.viewer;
    const viewerName = (await api('GET', '/api/v1/me', viewer)).body.name as string;
    const ownerName = (await api('GET', '/api/v1/me', team.members.owner)).body.name as string;
    const before = (await api('GET', '/api/v1/me/notifications', viewer)).body.unread as number;

    const outsider = await signUp('stranger-name');
    const created = await api('POST', comments, as('owner'), {
      body: `@[${viewerName}] can you look? cc @[stranger-name] @[${ownerName}] @[nobody at all]`,
      platform: run.platform,
      test: '/tests/seeded',
    });
    expect(created.status).toBe(201);
    // "viewer" is also the name of… only the viewer: the team has one member per role name
    expect(created.body.mentions.map((mention: { id: string }) => mention.id)).toEqual([viewer.id]);

    const inbox = await api('GET', '/api/v1/me/notifications', viewer);
    expect(inbox.body.unread).toBe(before + 1);
    expect(inbox.body.notifications[0]).toMatchObject({
      read: false,
      run: run.number,
      platform: run.platform,
      test: '/tests/seeded',
      link: `/t/${team.team.slug}/runs/${run.number}/${run.platform}/tests/seeded#comment-${created.body.id}`,
    });
    expect((await api('GET', '/api/v1/me/notifications', outsider)).body.unread).toBe(0);
    await expect
      .poll(async () =>
        (await mailsTo(inject('appDataDir'), viewer.email)).some((mail) => mail.text.includes(`#comment-${created.body.id}`)),
      )
      .toBe(true);

    // An edit notifies only the newly mentioned.
    const adminName = (await api('GET', '/api/v1/me', team.members.admin)).body.name as string;
    await api('PATCH', `${comments}/${created.body.id}`, as('owner'), { body: `@[${viewerName}] @[${adminName}] again` });
    expect((await api('GET', '/api/v1/me/notifications', viewer)).body.unread).toBe(before + 1);
    expect((await api('GET', '/api/v1/me/notifications?unread=true', team.members.admin)).body.notifications).toHaveLength(1);

    const read = await api('POST', '/api/v1/me/notifications/read', viewer, { ids: [inbox.body.notifications[0].id] });
    expect(read.status).toBe(200);
    expect(read.body.unread).toBe(before);
    expect((await api('POST', '/api/v1/me/notifications/read', viewer, { all: 'yes' })).status).toBe(400);
    // Someone else's notification is not theirs to mark.
    const adminInbox = await api('GET', '/api/v1/me/notifications', team.members.admin);
    await api('POST', '/api/v1/me/notifications/read', viewer, { ids: [adminInbox.body.notifications[0].id] });
    expect((await api('GET', '/api/v1/me/notifications', team.members.admin)).body.unread).toBe(adminInbox.body.unread);
  });
});

describe('presence', () => {
  const sockets: Socket[] = [];
  afterAll(() => sockets.forEach((socket) => socket.close()));
  /** A socket that has joined `room` as its page, and every presence list it was sent. */
  const onPage = async (
    credentials: { cookie?: string; token?: string },
    room: string,
    selection: string | null,
    appUrl = inject('appUrl'),
  ) => {
    const socket = io(appUrl, {
      transports: ['websocket'],
      extraHeaders: {
        origin: appUrl,
        ...(credentials.cookie ? { cookie: credentials.cookie } : {}),
        ...(credentials.token ? { authorization: `Bearer ${credentials.token}` } : {}),
      },
      reconnection: false,
    });
    sockets.push(socket);
    const lists: PresenceViewer[][] = [];
    socket.on('presence', (list: PresenceViewer[]) => lists.push(list));
    const joined = (await socket.emitWithAck('presence:join', { room, selection })) as boolean;
    return { socket, lists, joined, latest: () => lists.at(-1) ?? [] };
  };

  test('everyone on a result page sees who else is there and their selected lines; leaving drops them at once; outsiders are refused', async () => {
    const runId = (await api('GET', `/api/v1/teams/${team.team.slug}/runs/${run.number}`, as('owner'))).body.id as string;
    const room = rooms.page(runId, { platform: run.platform, test: '/tests/seeded' });
    const viewer = await onPage(team.members.viewer, room, 'L3-L5');
    const member = await onPage(team.members.member, room, null);
    expect([viewer.joined, member.joined]).toEqual([true, true]);
    const seen = (list: PresenceViewer[]) => list.map(({ userId, selection }) => `${userId} ${selection}`).sort();
    const both = [`${team.members.member.id} null`, `${team.members.viewer.id} L3-L5`].sort();
    await expect.poll(() => seen(viewer.latest())).toEqual(both);
    await expect.poll(() => seen(member.latest())).toEqual(both);

    // A new selection reaches the others.
    member.socket.emit('presence:join', { room, selection: 'L10' });
    await expect.poll(() => seen(viewer.latest())).toContain(`${team.members.member.id} L10`);

    const outsider = await signUp('peeker');
    const peeking = await onPage(outsider, room, null);
    expect(peeking.joined).toBe(false);
    expect((await onPage({}, room, null)).joined).toBe(false);
    expect(seen(member.latest())).toHaveLength(2);
    // Hostile messages are refused, not stored.
    expect(await viewer.socket.emitWithAck('presence:join', { room, selection: '<img src=x>' })).toBe(false);
    expect(await viewer.socket.emitWithAck('presence:join', { room: `team:${team.team.id}`, selection: null })).toBe(false);

    viewer.socket.close();
    await expect.poll(() => seen(member.latest()), { timeout: 3000 }).toEqual([`${team.members.member.id} L10`]);
  });

  test('viewers connected to two web processes see each other; one whose connection goes silent is dropped within seconds', async () => {
    const second = await startApp(inject('databaseUrl'));
    try {
      const runId = (await api('GET', `/api/v1/teams/${team.team.slug}/runs/${run.number}`, as('owner'))).body.id as string;
      const room = rooms.page(runId);
      const here = await onPage(team.members.admin, room, null);
      const there = await onPage({ token: team.members.owner.token }, room, null, second.url);
      expect([here.joined, there.joined]).toEqual([true, true]);
      const both = [team.members.admin.id, team.members.owner.id].sort();
      await expect
        .poll(
          () =>
            here
              .latest()
              .map((viewer) => viewer.userId)
              .sort(),
          { timeout: 10_000 },
        )
        .toEqual(both);
      await expect
        .poll(
          () =>
            there
              .latest()
              .map((viewer) => viewer.userId)
              .sort(),
          { timeout: 10_000 },
        )
        .toEqual(both);

      // The network goes away without a goodbye: the socket stays open but nothing arrives, so pings go unanswered.
      const engine = there.socket.io.engine as unknown as { transport: { ws: { _socket: { pause(): void } } } };
      engine.transport.ws._socket.pause();
      const silentSince = Date.now();
      await expect
        .poll(() => here.latest().map((viewer) => viewer.userId), { timeout: 15_000, interval: 200 })
        .toEqual([team.members.admin.id]);
      expect(Date.now() - silentSince).toBeLessThan(12_000);
    } finally {
      await second.stop();
    }
  }, 90_000);
});

describe('webhooks', () => {
  let sshd: SshServer;
  let receiver: Receiver;
  let failing: Receiver;
  beforeAll(async () => {
    [sshd, receiver, failing] = await Promise.all([startSshd(), startReceiver(204), startReceiver(500)]);
  });
  afterAll(async () => {
    await Promise.all([sshd?.stop(), receiver?.close(), failing?.close()]);
  });

  test('admins manage them; a URL the operator does not allow is refused with the reason', async () => {
    const hooks = `/api/v1/teams/${team.team.slug}/webhooks`;
    const refused: [unknown, RegExp][] = [
      [{ url: 'http://169.254.169.254/latest/meta-data', events: ['run.finished'] }, /url: .*link-local/],
      [{ url: 'http://[fe80::1]/hook', events: ['run.finished'] }, /url: .*not allowed/],
      [{ url: 'ftp://203.0.113.5/hook', events: ['run.finished'] }, /url: use an http or https URL/],
      // found by tests/security/fuzz-api.test.ts: was a 500
      [{ url: '0 r}U}F0qC', events: ['run.finished'] }, /url: /],
      [{ url: 'https://203.0.113.5/hook', events: [] }, /events: choose at least one event/],
      [{ url: 'https://203.0.113.5/hook', events: ['run.exploded'] }, /events\.0/],
      [{ url: 'https://203.0.113.5/hook', events: ['run.finished'], secret: 'short' }, /secret: a signing secret has at least 16/],
    ];
    for (const [body, message] of refused) {
      const response = await api('POST', hooks, as('admin'), body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error).toMatch(message);
    }
    expect((await api('POST', hooks, as('member'), { url: 'https://203.0.113.5/hook', events: ['run.finished'] })).status).toBe(403);

    const created = await api('POST', hooks, as('admin'), { url: 'https://203.0.113.5/hook', events: ['run.finished'] });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^[\w-]{32}$/);
    expect((await api('GET', `${hooks}/${created.body.id}`, as('admin'))).body).not.toHaveProperty('secret');
    const changed = await api('PATCH', `${hooks}/${created.body.id}`, as('admin'), {
      enabled: false,
      events: ['run.finished', 'run.new-failure'],
    });
    expect(changed.body).toMatchObject({ enabled: false, events: ['run.finished', 'run.new-failure'] });
    expect((await api('PATCH', `${hooks}/${created.body.id}`, as('admin'), { url: 'http://127.0.0.2:1/' })).status).toBe(400);
    expect((await api('DELETE', `${hooks}/${created.body.id}`, as('admin'))).status).toBe(204);
    const audit = await api('GET', `/api/v1/teams/${team.team.slug}/audit?subjectType=webhook&subjectId=${created.body.id}`, as('admin'));
    expect(audit.body.map((entry: { action: string }) => entry.action)).toEqual(['webhook.deleted', 'webhook.changed', 'webhook.created']);
    expect(JSON.stringify(audit.body)).not.toContain(created.body.secret);

    // Another team's webhook and comment through this team's path: 404, even for its owner.
    const other = await teamWithAllRoles();
    const foreign = await api(
      'POST',
      `/api/v1/teams/${other.team.slug}/webhooks`,
      { token: other.members.owner.token },
      {
        url: 'https://203.0.113.5/hook',
        events: ['run.finished'],
      },
    );
    for (const method of ['GET', 'DELETE']) expect((await api(method, `${hooks}/${foreign.body.id}`, as('owner'))).status).toBe(404);
    expect((await api('GET', `${hooks}/${foreign.body.id}/deliveries`, as('owner'))).status).toBe(404);
  });

  test('a run on a real sshd is announced signed (new failure, then finished); a failing receiver is retried with backoff, then the log shows the error', async () => {
    const { team: own, members } = await teamWithAllRoles();
    const admin = { token: members.admin.token };
    const teamApi = `/api/v1/teams/${own.slug}`;
    const good = await api('POST', `${teamApi}/webhooks`, admin, { url: receiver.url, events: ['run.finished', 'run.new-failure'] });
    const bad = await api('POST', `${teamApi}/webhooks`, admin, {
      url: failing.url,
      events: ['run.finished'],
      secret: 'a long enough shared secret',
    });
    expect([good.status, bad.status]).toEqual([201, 201]);

    const key = await api('POST', `${teamApi}/secrets`, admin, { name: 'lab-key', kind: 'ssh-private-key', value: sshd.privateKey });
    const lab = await api('POST', `${teamApi}/platforms`, admin, {
      name: 'lab',
      config: {
        kind: 'ssh',
        hosts: [{ host: sshd.host, port: sshd.port, user: sshd.username }],
        hostKeyFingerprints: { [`${sshd.host}:${sshd.port}`]: sshd.hostKeyFingerprint },
      },
      secretId: key.body.id,
    });
    const repo = await api('POST', `${teamApi}/repos`, admin, { name: 'suite', path: await fixtureTreeCopy('run-pages') });
    const started = await api('POST', `${teamApi}/runs`, admin, {
      repoId: repo.body.id,
      plan: '/plans/all',
      platforms: [lab.body.id],
      reruns: 0,
    });
    expect(started.status).toBe(201);

    await expect
      .poll(() => receiver.received.map((request) => request.event), { timeout: 120_000, interval: 500 })
      .toEqual(['run.new-failure', 'run.finished']);
    const [failure, finished] = receiver.received;
    for (const request of receiver.received) {
      expect(verifySignature(good.body.secret, { signature: request.signature, timestamp: request.timestamp }, request.body)).toBe(true);
      // a replay with another timestamp, or a changed body, does not verify
      expect(
        verifySignature(good.body.secret, { signature: request.signature, timestamp: String(Number(request.timestamp) - 1) }, request.body),
      ).toBe(false);
      expect(verifySignature(good.body.secret, { signature: request.signature, timestamp: request.timestamp }, `${request.body} `)).toBe(
        false,
      );
    }
    expect(JSON.parse(failure!.body)).toMatchObject({
      event: 'run.new-failure',
      team: own.slug,
      run: { number: started.body.number },
      result: { platform: 'lab', test: '/tests/fails', status: 'fail', attempt: 1 },
    });
    expect(JSON.parse(finished!.body)).toMatchObject({
      event: 'run.finished',
      run: { number: started.body.number, status: 'failed', failedTests: 1 },
    });

    // 3 attempts (TESTYARD_WEBHOOK_ATTEMPTS in the test app), 0.5 s then 1 s apart at least; then the log says why it gave up.
    const deliveries = `${teamApi}/webhooks/${bad.body.id}/deliveries`;
    await expect.poll(async () => (await api('GET', deliveries, admin)).body[0]?.status, { timeout: 30_000, interval: 500 }).toBe('failed');
    const [log] = (await api('GET', deliveries, admin)).body;
    expect(log).toMatchObject({ event: 'run.finished', attempts: 3, lastStatusCode: 500, nextAttemptAt: null });
    expect(log.lastError).toBe('answered HTTP 500: receiver is down');
    const times = failing.received.map((request) => request.at);
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(450);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(950);
    expect(
      (await api('GET', `${teamApi}/webhooks/${good.body.id}/deliveries`, admin)).body.map((item: { status: string }) => item.status),
    ).toEqual(['delivered', 'delivered']);
    expect((await api('GET', deliveries, { token: members.member.token })).status).toBe(403);
  }, 180_000);
});

test('known-issue.matched, as the known-issues module emits it, is delivered once per match', async () => {
  const receiver = await startReceiver(200);
  const db = createDb(inject('databaseUrl'));
  const boss = createJobQueue(inject('databaseUrl'), 'sender');
  try {
    await boss.start();
    const hook = await api('POST', `/api/v1/teams/${team.team.slug}/webhooks`, as('admin'), {
      url: receiver.url,
      events: ['known-issue.matched'],
    });
    const runId = (await api('GET', `/api/v1/teams/${team.team.slug}/runs/${run.number}`, as('owner'))).body.id as string;
    const match = {
      runId,
      result: { platform: run.platform, testName: '/tests/seeded', attempt: 1, status: 'fail' },
      knownIssue: { id: 'ki-1', title: 'cgroup v1 hosts reject cpu.max', url: 'https://bugs.example.com/1' },
    };
    await emitKnownIssueMatched(db, boss, match);
    await emitKnownIssueMatched(db, boss, match);
    await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(1);
    const [request] = receiver.received;
    expect(verifySignature(hook.body.secret, request!, request!.body)).toBe(true);
    expect(JSON.parse(request!.body)).toMatchObject({
      event: 'known-issue.matched',
      knownIssue: match.knownIssue,
      run: { number: run.number },
      result: { platform: run.platform, test: '/tests/seeded', attempt: 1, status: 'fail' },
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.received).toHaveLength(1);
  } finally {
    await boss.stop({ graceful: false });
    await db.$disconnect();
    await receiver.close();
  }
});

interface ReceivedRequest {
  event: string;
  signature: string;
  timestamp: string;
  body: string;
  at: number;
}

interface Receiver {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

async function startReceiver(status: number): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const header = (request: IncomingMessage, name: string) => String(request.headers[name] ?? '');
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        event: header(request, 'x-testyard-event'),
        signature: header(request, 'x-testyard-signature'),
        timestamp: header(request, 'x-testyard-timestamp'),
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      });
      response.writeHead(status).end(status === 500 ? 'receiver is down' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
