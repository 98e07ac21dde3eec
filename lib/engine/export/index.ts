/** A run's attempts as files: atex-compatible JSON Lines, JUnit XML, and a file-based Aggregator for the CLI. */
export { atexJsonLine, atexJsonLines } from './atex-jsonl';
export { attemptStatus, type ExportedAttempt } from './attempt';
export { FileRunAggregator, type FileAggregatorOptions } from './file-aggregator';
export { junitXml } from './junit';
export { ownResult, readResultLines, type ResultLine } from './results-file';
