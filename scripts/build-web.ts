import { projectRoot } from '../lib/server/config';
import { buildIfNeeded } from './next-build';

await buildIfNeeded(projectRoot(), (line) => console.log(line));
