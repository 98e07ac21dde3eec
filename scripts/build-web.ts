import { projectRoot } from '../lib/config';
import { buildIfNeeded } from './next-build';

await buildIfNeeded(projectRoot(), (line) => console.log(line));
