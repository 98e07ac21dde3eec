-- KnownIssue: from placeholder to matcher
ALTER TABLE "KnownIssue" ADD COLUMN "platformPattern" TEXT,
ADD COLUMN "statuses" TEXT[] DEFAULT ARRAY['fail', 'error']::TEXT[],
ADD COLUMN "textPattern" TEXT,
ADD COLUMN "sourceResultId" BIGINT,
ADD COLUMN "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
UPDATE "KnownIssue" SET "url" = '' WHERE "url" IS NULL;
ALTER TABLE "KnownIssue" ALTER COLUMN "url" SET NOT NULL;

-- Waiver: per test and platform pattern, always expiring
ALTER TABLE "Waiver" DROP CONSTRAINT "Waiver_runId_fkey";
DROP INDEX "Waiver_teamId_testName_idx";
ALTER TABLE "Waiver" DROP COLUMN "runId";
ALTER TABLE "Waiver" RENAME COLUMN "testName" TO "testPattern";
ALTER TABLE "Waiver" RENAME COLUMN "platform" TO "platformPattern";
UPDATE "Waiver" SET "expiresAt" = CURRENT_TIMESTAMP WHERE "expiresAt" IS NULL;
ALTER TABLE "Waiver" ALTER COLUMN "expiresAt" SET NOT NULL;

-- CreateTable
CREATE TABLE "KnownIssueMatch" (
    "id" BIGSERIAL NOT NULL,
    "knownIssueId" TEXT NOT NULL,
    "resultId" BIGINT NOT NULL,
    "runId" TEXT NOT NULL,
    "field" TEXT NOT NULL,
    "line" INTEGER,
    "excerpt" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KnownIssueMatch_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ResultTriage" (
    "resultId" BIGINT NOT NULL,
    "runId" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "byId" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ResultTriage_pkey" PRIMARY KEY ("resultId")
);

-- CreateIndex
CREATE INDEX "Waiver_teamId_expiresAt_idx" ON "Waiver"("teamId", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "KnownIssueMatch_knownIssueId_resultId_key" ON "KnownIssueMatch"("knownIssueId", "resultId");

-- CreateIndex
CREATE INDEX "KnownIssueMatch_runId_idx" ON "KnownIssueMatch"("runId");

-- CreateIndex
CREATE INDEX "KnownIssueMatch_resultId_idx" ON "KnownIssueMatch"("resultId");

-- CreateIndex
CREATE INDEX "ResultTriage_runId_idx" ON "ResultTriage"("runId");

-- AddForeignKey
ALTER TABLE "KnownIssue" ADD CONSTRAINT "KnownIssue_sourceResultId_fkey" FOREIGN KEY ("sourceResultId") REFERENCES "Result"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnownIssueMatch" ADD CONSTRAINT "KnownIssueMatch_knownIssueId_fkey" FOREIGN KEY ("knownIssueId") REFERENCES "KnownIssue"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnownIssueMatch" ADD CONSTRAINT "KnownIssueMatch_resultId_fkey" FOREIGN KEY ("resultId") REFERENCES "Result"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ResultTriage" ADD CONSTRAINT "ResultTriage_resultId_fkey" FOREIGN KEY ("resultId") REFERENCES "Result"("id") ON DELETE CASCADE ON UPDATE CASCADE;
