// The pure parts of the policy, case by case: which addresses the outbound
// policy refuses, how repository URLs are read, what the redactor blanks,
// which passwords, URLs and cross-site requests are refused.
import { expect, test } from 'vitest';
import { passwordProblem } from '../../lib/server/auth/password-policy';
import { crossSiteRefusal, urlProblem } from '../../lib/server/http/request-guard';
import { SecretRedactor } from '../../lib/server/secrets/redaction';
import { OutboundPolicy } from '../../lib/engine/network/outbound';
import { parseRepositoryUrl } from '../../lib/engine/network/repository-sources';

const defaults = OutboundPolicy.fromLists([], [], ['10.9.8.7']);

test.each([
  '127.0.0.1',
  '127.255.0.1',
  '0.0.0.0',
  '169.254.169.254',
  '100.100.100.200',
  '224.0.0.1',
  '255.255.255.255',
  '::1',
  '::',
  'fe80::1',
  'fd00:ec2::254',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '64:ff9b::a9fe:a9fe',
  '2002:7f00:1::1',
  '10.9.8.7',
])('%s is refused by default', (address) => {
  expect(defaults.refusal(address, address)).not.toBeNull();
});

test.each(['8.8.8.8', '10.0.0.5', '192.168.1.10', '172.16.0.1', '2001:db8::1', 'fc00::1'])('%s is reachable by default', (address) => {
  expect(defaults.refusal(address, address)).toBeNull();
});

test('the operator allows by address, CIDR or name, and a denial wins', () => {
  const policy = OutboundPolicy.fromLists(['127.0.0.1', '169.254.0.0/16', 'lab.local'], ['private', '169.254.169.254'], []);
  expect(policy.refusal('127.0.0.1', '127.0.0.1')).toBeNull();
  expect(policy.refusal('x', '::ffff:127.0.0.1')).toBeNull();
  expect(policy.refusal('127.0.0.2', '127.0.0.2')).not.toBeNull();
  expect(policy.refusal('lab.local', '127.0.0.9')).toBeNull();
  expect(policy.refusal('x', '169.254.1.1')).toBeNull();
  expect(policy.refusal('x', '169.254.169.254')).toMatch(/operator denies/);
  expect(policy.refusal('x', '10.0.0.1')).toMatch(/operator denies/);
  expect(() => OutboundPolicy.fromLists(['10.0.0.0/33'], [], [])).toThrow();
  expect(() => OutboundPolicy.fromLists(['not a host!'], [], [])).toThrow();
});

test('a name is checked on every address it resolves to', async () => {
  await expect(defaults.resolve('localhost')).rejects.toThrow(/connecting to localhost is not allowed/);
  await expect(OutboundPolicy.fromLists(['localhost'], [], []).resolveOne('localhost')).resolves.toMatch(/^(127\.0\.0\.1|::1)$/);
});

test.each([
  ['https://github.com/a/b.git', { kind: 'remote', scheme: 'https', host: 'github.com', port: 443 }],
  ['ssh://git@host:2222/x', { kind: 'remote', scheme: 'ssh', host: 'host', port: 2222 }],
  ['git@github.com:a/b', { kind: 'remote', scheme: 'ssh', host: 'github.com', port: 22 }],
  ['git://[::1]:9000/x', { kind: 'remote', scheme: 'git', host: '::1', port: 9000 }],
  ['file:///srv/tests', { kind: 'local', path: '/srv/tests' }],
  ['/srv/tests', { kind: 'local', path: '/srv/tests' }],
  ['http://example.com/x', null],
  ['ext::sh -c id', null],
  ['-upload-pack=x:y', null],
  ['file://other-host/x', null],
  ['./relative:x', null],
  ['fd::/x', null],
])('%s reads as %j', (url, expected) => {
  expect(parseRepositoryUrl(url)).toEqual(expected);
});

test('the redactor blanks a secret in every form, and leaves short values alone', () => {
  const redactor = new SecretRedactor();
  const secret = 'tf-0123456789-abcdef';
  redactor.add(secret);
  redactor.add('short');
  for (const prefix of ['', 'a', 'ab']) {
    const encoded = Buffer.from(`${prefix}user:${secret}!`).toString('base64');
    expect(redactor.redact(encoded)).toContain('[secret]');
  }
  expect(redactor.redact(`Bearer ${secret}`)).toBe('Bearer [secret]');
  expect(redactor.redact(`?t=${encodeURIComponent(`${secret} x`)}`)).not.toContain(secret);
  expect(redactor.redact('a short word')).toBe('a short word');
  const key = '-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQABAAABAQ\nCxyzCxyzCxyzCxyzCxyzCxyzCxyz\n-----END KEY-----';
  redactor.add(key);
  expect(redactor.redact('line: CxyzCxyzCxyzCxyzCxyzCxyzCxyz')).toBe('line: [secret]');
  expect(redactor.redactDeep({ nested: [`x${secret}`] })).toEqual({ nested: ['x[secret]'] });
});

test.each([
  ['aaaaaaaaaaaa', /different/],
  ['password1234', /common/],
  ['short', /at least 12/],
  ['alice.smith-2024', /email/],
])('the password %s is refused', (password, reason) => {
  expect(passwordProblem(password, 'alice.smith@example.com')).toMatch(reason);
});

test('a long, unusual password passes', () => {
  expect(passwordProblem('correct horse battery', 'x@example.com')).toBeNull();
});

test.each(['/a%00b', '/x?q=%00', '/t/%E0%A4%A', '/x?%ZZ=1'])('the URL %s is refused', (url) => {
  expect(urlProblem(url)).not.toBeNull();
});

test.each(['/t/team/runs/1/box/tests%2Fa%20b?attempt=2#L3', '/api/v1/teams?x=a+b'])('the URL %s is fine', (url) => {
  expect(urlProblem(url)).toBeNull();
});

test('cross-site rules', () => {
  const trusted = ['http://app:3000'];
  expect(crossSiteRefusal('POST', { origin: 'http://evil:3000', cookie: 'c' }, trusted)).toMatch(/Origin/);
  expect(crossSiteRefusal('POST', { 'sec-fetch-site': 'same-site' }, trusted)).toMatch(/Sec-Fetch-Site/);
  expect(crossSiteRefusal('POST', { cookie: 'c' }, trusted)).toMatch(/Origin header/);
  expect(crossSiteRefusal('POST', { authorization: 'Bearer x' }, trusted)).toBeNull();
  expect(crossSiteRefusal('POST', { origin: 'http://app:3000', cookie: 'c' }, trusted)).toBeNull();
  expect(crossSiteRefusal('GET', { cookie: 'c' }, trusted)).toBeNull();
});
