/**
 * What a webhook can subscribe to (docs/WEBHOOKS.md has the payloads):
 * - `run.finished`: a run ended (passed, failed or error), once per run;
 * - `run.new-failure`: the first failing (fail or error) result of a run, once
 *   per run: the moment someone should look, not one request per broken test;
 * - `known-issue.matched`: a failing result matched one of the team's known
 *   issues (emitted by the known-issues module through `emitWebhookEvent`).
 */
export const webhookEventTypes = ['run.finished', 'run.new-failure', 'known-issue.matched'] as const;
export type WebhookEventType = (typeof webhookEventTypes)[number];
