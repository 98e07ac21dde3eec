-- CreateIndex
CREATE INDEX "RunPlatform_name_runId_idx" ON "RunPlatform"("name", "runId");
