import type { Actor } from '../access/actor';
import { defaultArtifactStore } from '../artifacts/store';
import type { Db } from '../db/client';
import { notFound } from '../errors';
import { findTeamRun } from '../runs/lookup';
import { fileKind, type FileViewer } from './file-kinds';
import { lineIndexFor } from './line-index';
import type { LogFile } from './log-file';

export interface RunArtifact extends LogFile {
  id: string;
  /** Relative to the attempt's artifacts folder, e.g. "files/output.txt". */
  relativePath: string;
  sha256: string;
  contentType: string;
  viewer: FileViewer;
}

/** A file stored for an attempt of a run (viewer), located in the artifact store. */
export async function findRunArtifact(db: Db, actor: Actor, teamSlug: string, runRef: string, artifactId: string): Promise<RunArtifact> {
  const run = await findTeamRun(db, actor, teamSlug, runRef, 'viewer');
  const artifact = await db.artifact.findFirst({ where: { id: artifactId, attempt: { runId: run.id } } });
  if (!artifact) throw notFound('file');
  const filePath = await defaultArtifactStore().localPath(artifact.storageKey);
  const size = Number(artifact.size);
  return {
    id: artifact.id,
    relativePath: artifact.path,
    path: filePath,
    size,
    index: lineIndexFor(artifact.sha256, filePath, size),
    sha256: artifact.sha256,
    ...fileKind(artifact.path),
  };
}
