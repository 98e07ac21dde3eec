-- CreateIndex
-- Partial: only final results (the test's own result of its last attempt), the ones compared;
-- ordered by test name within a run platform, so comparing two runs merges two index-only scans.
CREATE INDEX "Result_runPlatformId_testName_status_durationMs_signature_idx" ON "Result"("runPlatformId", "testName", "status", "durationMs", "signature") WHERE "superseded" = false AND "name" IS NULL;
