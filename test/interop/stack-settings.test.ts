import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/pipeline';

// Issue #13, finding 1 and 5: the schema id means one thing on every stack the project ships (content
// ids: no legacy id mode), and a schema registered again in another layout is the version it equals
// (canonical hash), on the native stack, docker-compose.yml and the testcontainers setup alike.
const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');

describe('registry settings of the three stacks', () => {
  it('infra/stack.sh: content ids on a fresh stack, canonical hash always', () => {
    const script = read('infra/stack.sh');
    expect(script).toContain('-Dapicurio.ccompat.legacy-id-mode.enabled="$legacy"');
    expect(script).toMatch(/local legacy=false\n\s+\[\[ "\$\(registry_id_mode\)" == globalId \]\] && legacy=true/);
    // Only a stack whose Kafka data predates content ids keeps global ids.
    expect(script).toMatch(/meta\.properties" && ! -f "\$KAFKA_HOME\/\.formatted-with-content-ids"/);
    expect(script).toContain('-Dapicurio.ccompat.use-canonical-hash=true');
    expect(script).not.toContain('legacy-id-mode.enabled=true');
  });

  it('docker-compose.yml and test/support/containers.ts: the same', () => {
    for (const file of ['docker-compose.yml', 'test/support/containers.ts']) {
      const text = read(file).replace(/['"]/g, '');
      expect({ file, legacy: /APICURIO_CCOMPAT_LEGACY_ID_MODE_ENABLED: false/.test(text), canonical: /APICURIO_CCOMPAT_USE_CANONICAL_HASH: true/.test(text) }).toEqual({
        file,
        legacy: true,
        canonical: true,
      });
    }
  });
});
