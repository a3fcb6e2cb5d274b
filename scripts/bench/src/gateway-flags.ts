// The V8 flags a gateway process of its own is started with. They are defined once, in scripts/setup.js
// (plain JavaScript: it runs before the build), and read from there.
import path from 'node:path';
import { ROOT } from './report';

interface SetupScript {
  GATEWAY_NODE_FLAGS: string[];
}

/** scripts/setup.js's GATEWAY_NODE_FLAGS, e.g. `--max-semi-space-size=64`. */
export const GATEWAY_NODE_FLAGS: readonly string[] = (require(path.join(ROOT, 'scripts', 'setup.js')) as SetupScript).GATEWAY_NODE_FLAGS;
