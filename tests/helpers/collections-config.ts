/** Servers configured by a TOML file of [[collections]], for end-to-end tests of several folders. */
import { writeFileSync } from 'node:fs';
import { spawnServer, type SpawnedServer, type SpawnOptions } from './spawn-server.js';

export interface CollectionEntry {
  name: string;
  path: string;
  description: string;
}

/** Writes a config file with one [[collections]] entry each; returns its path. */
export function writeCollectionsConfig(file: string, entries: readonly CollectionEntry[]): string {
  // A JSON string is a valid TOML basic string for the paths and sentences tests use.
  const text = entries
    .map((e) => `[[collections]]\nname = ${JSON.stringify(e.name)}\npath = ${JSON.stringify(e.path)}\ndescription = ${JSON.stringify(e.description)}\n`)
    .join('\n');
  writeFileSync(file, text);
  return file;
}

/**
 * spawnServer always passes `--docs DIR`, which would take precedence over the [[collections]]
 * of the config file: this launcher drops that pair (and exits 97 if the argv is not as expected).
 */
const DROP_DOCS_FLAG = ['sh', '-c', '[ "$2" = --docs ] || exit 97; node="$0"; bin="$1"; shift 3; exec "$node" "$bin" "$@"'];

/** A server started with `--config FILE` and no `--docs`: it serves the collections of the file. */
export function spawnConfiguredServer(configFile: string, opts: Omit<SpawnOptions, 'docs' | 'launcher'> = {}): Promise<SpawnedServer> {
  return spawnServer({ ...opts, docs: '(dropped by the launcher)', launcher: DROP_DOCS_FLAG, args: ['--config', configFile, ...(opts.args ?? [])] });
}
