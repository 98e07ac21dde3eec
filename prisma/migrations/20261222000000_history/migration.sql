-- Trigram search over test names (pg_trgm ships with PostgreSQL's contrib: Debian's postgresql-15 and embedded-postgres have it)
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateTable
CREATE TABLE "TestFlakiness" (
    "teamId" TEXT NOT NULL,
    "platform" TEXT NOT NULL,
    "testName" TEXT NOT NULL,
    "runs" INTEGER NOT NULL DEFAULT 0,
    "recent" TEXT NOT NULL DEFAULT '',
    "flakyRecent" INTEGER NOT NULL DEFAULT 0,
    "flakyTotal" INTEGER NOT NULL DEFAULT 0,
    "lastStatus" TEXT NOT NULL,
    "lastCommit" TEXT,
    "lastRunId" TEXT NOT NULL,
    "lastRunNumber" INTEGER NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TestFlakiness_pkey" PRIMARY KEY ("teamId","platform","testName")
);

-- CreateTable
CREATE TABLE "SystemHealth" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "platformId" TEXT NOT NULL,
    "system" TEXT NOT NULL,
    "consecutiveFailures" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "successes" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "lastFailureAt" TIMESTAMP(3),
    "lastSuccessAt" TIMESTAMP(3),
    "quarantinedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SystemHealth_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TestFlakiness_teamId_flakyRecent_lastSeenAt_idx" ON "TestFlakiness"("teamId", "flakyRecent" DESC, "lastSeenAt" DESC);

-- CreateIndex
CREATE INDEX "TestFlakiness_testName_idx" ON "TestFlakiness" USING GIN ("testName" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "SystemHealth_platformId_system_key" ON "SystemHealth"("platformId", "system");

-- CreateIndex
CREATE INDEX "SystemHealth_teamId_consecutiveFailures_idx" ON "SystemHealth"("teamId", "consecutiveFailures" DESC);

-- CreateIndex
CREATE INDEX "Run_teamId_repoId_number_idx" ON "Run"("teamId", "repoId", "number" DESC);

-- CreateIndex
CREATE INDEX "Run_teamId_plan_number_idx" ON "Run"("teamId", "plan", "number" DESC);

-- CreateIndex
CREATE INDEX "Run_teamId_status_number_idx" ON "Run"("teamId", "status", "number" DESC);

-- CreateIndex
CREATE INDEX "Run_teamId_createdById_number_idx" ON "Run"("teamId", "createdById", "number" DESC);

-- CreateIndex
CREATE INDEX "Run_teamId_commit_idx" ON "Run"("teamId", "commit");

-- CreateIndex
CREATE INDEX "Run_teamId_ref_number_idx" ON "Run"("teamId", "ref", "number" DESC);

-- AddForeignKey
ALTER TABLE "TestFlakiness" ADD CONSTRAINT "TestFlakiness_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SystemHealth" ADD CONSTRAINT "SystemHealth_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SystemHealth" ADD CONSTRAINT "SystemHealth_platformId_fkey" FOREIGN KEY ("platformId") REFERENCES "Platform"("id") ON DELETE CASCADE ON UPDATE CASCADE;
