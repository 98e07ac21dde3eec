-- CreateTable
CREATE TABLE "ProcessExit" (
    "id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "process" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "exitCode" INTEGER,
    "signal" TEXT,
    "exitedAt" TIMESTAMP(3) NOT NULL,
    "quickCrashes" INTEGER NOT NULL,
    "restarts" INTEGER NOT NULL,
    "nextAttemptAt" TIMESTAMP(3),
    "restartedAt" TIMESTAMP(3),
    "restartedPid" INTEGER,

    CONSTRAINT "ProcessExit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ProcessExit_exitedAt_idx" ON "ProcessExit"("exitedAt");
