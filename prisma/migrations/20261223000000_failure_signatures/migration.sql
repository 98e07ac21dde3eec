-- AlterTable
ALTER TABLE "Result" ADD COLUMN     "durationMs" INTEGER,
ADD COLUMN     "evidence" JSONB,
ADD COLUMN     "signature" TEXT;

-- Durations of results stored before
UPDATE "Result" r SET "durationMs" = (EXTRACT(EPOCH FROM (a."finishedAt" - a."startedAt")) * 1000)::int
FROM "Attempt" a WHERE a."id" = r."attemptId" AND a."finishedAt" IS NOT NULL;

-- CreateIndex
CREATE INDEX "Result_teamId_signature_createdAt_idx" ON "Result"("teamId", "signature", "createdAt");
