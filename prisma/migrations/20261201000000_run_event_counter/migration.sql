-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "eventSeq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "RunPlatform" ADD COLUMN     "jobId" TEXT;
