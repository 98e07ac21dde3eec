/** Labels on every container we create, so a worker can find (and clean up) what a crashed one left. */
export const runLabel = 'testyard.run';
export const platformLabel = 'testyard.platform';
/** The run-platform (or worker) that created the container. */
export const ownerLabel = 'testyard.owner';

export interface ContainerOwnership {
  runId: string;
  platformId: string;
  owner: string;
}

export function ownershipLabels(ownership: ContainerOwnership): Record<string, string> {
  return { [runLabel]: ownership.runId, [platformLabel]: ownership.platformId, [ownerLabel]: ownership.owner };
}
