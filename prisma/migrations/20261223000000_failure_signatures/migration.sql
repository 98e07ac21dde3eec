-- AlterTable
ALTER TABLE "Result" ADD COLUMN     "evidence" JSONB,
ADD COLUMN     "signature" TEXT;

-- CreateIndex
CREATE INDEX "Result_teamId_signature_createdAt_idx" ON "Result"("teamId", "signature", "createdAt");
