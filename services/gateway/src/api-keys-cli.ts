import { parseArgs } from 'node:util';
import { ConfigError, connectPlatform, createLogger, loadConfig, type MeterstreamConfig, type Platform } from '@meterstream/common';
import { API_KEY_SCOPES } from '@meterstream/domain';
import { apiKeyMetadata, checkApiKeyInput, createApiKey, listApiKeys, revokeApiKey, type ApiKeyCatalog, type ApiKeyInput, type ApiKeyMetadata } from './api-key-commands';

export const USAGE = `Usage: node scripts/api-keys.js <create|list|revoke> [options]

Manages the gateway's API keys in the catalog (compacted topic <TOPIC_PREFIX>catalog.api_keys),
straight through Kafka and the schema registry: no gateway needs to run, which makes it the way to
create the first key of a fresh install. Running gateways pick changes up within their catalog lag
(normally well under a second).

Commands:
  create --name NAME --scopes SCOPES
           Creates a key with SCOPES (comma-separated: ${API_KEY_SCOPES.join(', ')}; admin implies the
           others) and prints its token. The token is shown this once: only its SHA-256 digest is
           stored, so store the token now.
  list     One line per key, oldest first: id, prefix (first 8 characters of the token), scopes,
           created_at, revoked_at, name. Never a token or a digest.
  revoke ID
           Revokes the key: gateways refuse it from then on. Revoking twice is harmless.

Options:
  --json      Print JSON instead of text (create: the metadata and the token).
  -h, --help  This text.

Environment: KAFKA_BROKERS, TOPIC_PREFIX, SCHEMA_REGISTRY_URL (see README, Configuration); LOG_LEVEL
(default error; logs go to stderr).
Exit codes: 0 ok, 2 usage or configuration error, 1 failure (an unknown id included).
`;

class UsageError extends Error {}

type Command = { command: 'help' } | { command: 'create'; input: ApiKeyInput; json: boolean } | { command: 'list'; json: boolean } | { command: 'revoke'; id: string; json: boolean };

function parse(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { name: { type: 'string' }, scopes: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help) return { command: 'help' };
  const [command, ...rest] = positionals;
  const json = values.json ?? false;
  if (command !== 'create' && (values.name !== undefined || values.scopes !== undefined)) throw new UsageError('--name and --scopes apply to create only');
  switch (command) {
    case 'create': {
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      if (values.name === undefined) throw new UsageError('create needs --name');
      if (values.scopes === undefined) throw new UsageError('create needs --scopes');
      const checked = checkApiKeyInput({ name: values.name, scopes: values.scopes.split(',').map((s) => s.trim()).filter(Boolean) });
      if (!checked.ok) throw new UsageError(checked.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
      return { command, input: checked.input, json };
    }
    case 'list':
      if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
      return { command, json };
    case 'revoke':
      if (rest.length !== 1) throw new UsageError('revoke needs exactly one key id');
      return { command, id: rest[0], json };
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'a command is required');
  }
}

function line(key: ApiKeyMetadata): string {
  return `${key.id} ${key.prefix} scopes=${key.scopes.join(',')} created=${key.created_at} revoked=${key.revoked_at ?? '-'} name=${JSON.stringify(key.name)}`;
}

type Action = Exclude<Command, { command: 'help' }>;

async function run(action: Action, catalog: ApiKeyCatalog, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  switch (action.command) {
    case 'create': {
      const { key, token } = await createApiKey(catalog, action.input);
      if (action.json) {
        out.write(`${JSON.stringify({ ...apiKeyMetadata(key), token })}\n`);
      } else {
        out.write(`created ${line(apiKeyMetadata(key))}\n`);
        out.write(`token: ${token}\n(shown this once: only its SHA-256 digest is stored)\n`);
      }
      return 0;
    }
    case 'list': {
      const keys = listApiKeys(catalog.store);
      out.write(action.json ? `${JSON.stringify(keys)}\n` : keys.map((k) => `${line(k)}\n`).join(''));
      return 0;
    }
    case 'revoke': {
      const revoked = await revokeApiKey(catalog, action.id);
      if (!revoked) {
        err.write(`api-keys: no API key with id ${action.id}\n`);
        return 1;
      }
      out.write(action.json ? `${JSON.stringify(apiKeyMetadata(revoked))}\n` : `revoked ${line(apiKeyMetadata(revoked))}\n`);
      return 0;
    }
  }
}

/** Runs the command line; resolves to the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let action: Action;
  let config: MeterstreamConfig;
  try {
    const command = parse(argv);
    if (command.command === 'help') {
      out.write(USAGE);
      return 0;
    }
    action = command;
    // The tool writes API keys only: it never seeds the catalog from CATALOG_FILE.
    config = { ...loadConfig(env), catalogFile: undefined };
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof ConfigError)) throw e;
    err.write(`api-keys: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  const logger = createLogger(env.LOG_LEVEL || 'error', 'api-keys-cli', process.stderr);
  let platform: Platform | undefined;
  try {
    platform = await connectPlatform(config, logger, 'api-keys-cli');
    return await run(action, platform.catalog, out, err);
  } catch (e) {
    err.write(`api-keys: ${(e as Error).message}\n`);
    return 1;
  } finally {
    await platform?.stop();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
