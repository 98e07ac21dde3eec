-- Every run rewrites its tests' TestFlakiness rows (runs, recent, lastSeenAt…). With lastSeenAt in an index,
-- each such update added entries to every index of the table, the trigram index on testName included. Without
-- it, and with room kept on each page, they are HOT updates: the row changes on its page, the indexes not at all
-- (unless flakyRecent changes). Partial: the flakiest-tests list reads only flaky tests.

-- DropIndex
DROP INDEX "TestFlakiness_teamId_flakyRecent_lastSeenAt_idx";

-- CreateIndex
CREATE INDEX "TestFlakiness_teamId_flakyRecent_idx" ON "TestFlakiness"("teamId", "flakyRecent" DESC) WHERE "flakyRecent" > 0;

ALTER TABLE "TestFlakiness" SET (fillfactor = 70);
