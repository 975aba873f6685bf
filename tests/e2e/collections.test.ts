/**
 * Issue 13, "Done when": one server serves two collections (a project's docs and a notes vault,
 * from [[collections]] with descriptions) while a second server serves the notes alone, on the
 * same index (the default index dir, keyed by the folder's real path). Under churn in both
 * folders every instance answers from the right collection, each change is embedded once across
 * the two servers, and `status --json` lists both collections with the counts the folders have.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnConfiguredServer, writeCollectionsConfig } from '../helpers/collections-config.js';
import { createRandom } from '../../bench/lib/random.js';
import { makeTempDir } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { readStatus, waitStatus, type Status } from '../helpers/server-probes.js';
import { spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { Vault, type VaultPage } from '../helpers/vault-model.js';
import { waitFor } from '../helpers/wait.js';

const CHURN_MS = 15_000;
/** Every wait for one change to reach one instance is bounded by this. */
const CHANGE_WAIT_MS = 15_000;
/** Settings the test runner's own environment must not leak into the children. */
const CLEAN_ENV = { HF_HUB_OFFLINE: '', HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', RAGDOCS_CONFIG: '', RAGDOCS_DOCS: '', RAGDOCS_INDEX_DIR: '' };
const DESCRIPTIONS = {
  project: 'The project documentation: setup, deployment guides, API reference and design records.',
  notes: 'A personal notes vault: daily journal, reading notes, people and ideas.',
};
type Name = keyof typeof DESCRIPTIONS;
const NAMES: readonly Name[] = ['project', 'notes'];
const SUBFOLDERS: Record<Name, readonly string[]> = { project: ['', 'guides', 'guides/advanced', 'adr'], notes: ['', 'journal', 'reading', 'people'] };
const WORDS = ['alpha', 'birch', 'cobalt', 'delta', 'ember', 'fjord', 'garnet', 'harbor', 'indigo', 'juniper', 'kestrel', 'lumen'];
/** Never renamed nor deleted: both folders keep a page of each name, for get_document across collections. */
const PROTECTED = new Set(['index.md', 'setup.md']);

interface Hit {
  collection: string;
  path: string;
  score: number;
  matched_by: string[];
  content: string;
}

interface Token {
  word: string;
  collection: Name;
  /** Where the file holding it is now; null once that file was deleted. */
  path: string | null;
}

/** The seed pages: both folders have index.md and setup.md, linking to each other and into a subfolder. */
function seedVault(vault: Vault, name: Name): void {
  const page = (title: string, topic: string, links: string[]): VaultPage => ({ title, topic, revision: 1, token: null, links });
  if (name === 'project') {
    vault.write('index.md', page('Project overview', 'The project builds and ships the billing service.', ['setup', 'guides/deploy', 'API reference']));
    vault.write('setup.md', page('Setup', 'Install the toolchain and the database before building the project.', ['index', 'guides/testing']));
    vault.write('guides/deploy.md', page('Deploy', 'Deploy a release through staging to production.', ['setup', 'adr/0001-storage']));
    vault.write('guides/api.md', page('API reference', 'The HTTP API of the billing service, endpoint by endpoint.', ['index']));
    vault.write('guides/testing.md', page('Testing', 'Unit, integration and end-to-end tests of the project.', ['setup']));
    vault.write('adr/0001-storage.md', page('ADR 1 storage', 'Why the project keeps invoices in the relational store.', ['guides/deploy']));
  } else {
    vault.write('index.md', page('Notes home', 'The entry page of the vault, linking the journal and the reading list.', ['setup', 'journal/2026-01-05', 'books']));
    vault.write('setup.md', page('Vault setup', 'How the notes vault is synced between the laptop and the phone.', ['index']));
    vault.write('journal/2026-01-05.md', page('2026-01-05', 'A walk by the river; planned the week.', ['Alice', 'index']));
    vault.write('journal/2026-01-06.md', page('2026-01-06', 'Read two chapters and met Alice for coffee.', ['Alice', 'books']));
    vault.write('reading/books.md', page('Books', 'Books read this year, with a line on each.', ['index']));
    vault.write('people/alice.md', page('Alice', 'Alice works on maps; we met at the conference.', ['journal/2026-01-06']));
  }
}

function holds(text: string, word: string): boolean {
  return new RegExp(`(?<![\\w-])${word}(?![\\w-])`).test(text);
}

function describeHits(hits: Hit[]): string {
  return JSON.stringify(hits.slice(0, 4).map((h) => ({ collection: h.collection, path: h.path, score: h.score, matched_by: h.matched_by })));
}

function entry(status: Status, name: string): Status {
  const found = (status.collections as Status[] | undefined)?.find((c) => c.name === name);
  assert.ok(found, `index_status has no collection "${name}": ${JSON.stringify(status.collections?.map((c: Status) => c.name))}`);
  return found;
}

function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level >= 50);
}

describe('collections end to end: two folders in one server, one of them also served alone', () => {
  const tmp = makeTempDir('ragdocs-collections-e2e-');
  const servers: SpawnedServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    tmp.cleanup();
  });
  const track = async (starting: Promise<SpawnedServer>): Promise<SpawnedServer> => {
    const server = await starting;
    servers.push(server);
    return server;
  };

  test('under churn in both folders every instance answers from the right collection, embeds each change once, and status --json counts both', { timeout: 90_000 }, async () => {
    const seed = Number(process.env.COLLECTIONS_SEED ?? Date.now() % 1_000_000);
    process.stderr.write(`# collections seed ${seed} (replay with COLLECTIONS_SEED=${seed})\n`);
    // Seeded (mulberry32): a failing run can be replayed with COLLECTIONS_SEED.
    const rng = createRandom(seed);
    const random = (): number => rng.next();
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

    const base = realpathSync(tmp.dir);
    const vaults: Record<Name, Vault> = { project: new Vault(join(base, 'project'), 'project'), notes: new Vault(join(base, 'notes'), 'notes') };
    for (const name of NAMES) seedVault(vaults[name], name);
    // Y reaches the notes through a symlink: the index is keyed by the real path, so it is X's.
    const notesLink = join(base, 'notes-link');
    symlinkSync(vaults.notes.root, notesLink);
    const config = writeCollectionsConfig(join(base, 'x.toml'), NAMES.map((name) => ({ name, path: vaults[name].root, description: DESCRIPTIONS[name] })));
    const env = { ...CLEAN_ENV, XDG_CACHE_HOME: join(base, 'cache'), RAGDOCS_EMBEDDER: 'test' };
    const [x, y] = await Promise.all([track(spawnConfiguredServer(config, { env })), track(spawnServer({ docs: notesLink, env }))]);
    const instances = { x: x as SpawnedServer, y: y as SpawnedServer };

    /** X's and Y's statuses once both are idle, hold what is on disk, every chunk embedded, and agree on the notes index. */
    const waitSettled = async (what: string, timeoutMs: number): Promise<{ xs: Status; ys: Status }> => {
      let last: unknown = null;
      return waitFor(what, async () => {
        const [xs, ys] = await Promise.all([readStatus(instances.x), readStatus(instances.y)]);
        last = { x: xs.collections, y: ys.collections };
        const settled = (s: Status, name: Name): boolean =>
          s.state === 'ready' && s.pending_files === 0 && s.documents === vaults[name].filesOnDisk().length && s.chunks > 0 && s.chunks_embedded === s.chunks;
        const ok =
          xs.state === 'ready' &&
          settled(entry(xs, 'project'), 'project') &&
          settled(entry(xs, 'notes'), 'notes') &&
          settled(ys, 'notes') &&
          entry(xs, 'notes').generation === ys.generation &&
          entry(xs, 'notes').chunks === ys.chunks;
        return ok ? { xs, ys } : null;
      }, timeoutMs, 100).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\nlast statuses: ${JSON.stringify(last)}\nX stderr:\n${instances.x.stderr().slice(-2000)}\nY stderr:\n${instances.y.stderr().slice(-2000)}`);
      });
    };

    const tokens: Token[] = [];
    const ops: Record<string, number> = {};
    /** Every change made, in order, for the message of a failed wait. */
    const history: string[] = [];
    const count = (op: string, what: string): void => {
      ops[op] = (ops[op] ?? 0) + 1;
      history.push(`${op} ${what}`);
    };
    let queries = 0;
    /** Wrong answers seen anywhere, polls included (a failed assertion inside waitFor would only be retried). */
    const wrong: string[] = [];
    /** After quiescence every result must be a file its collection has on disk. */
    let settledNow = false;
    /** query_documents; every result must carry a collection the instance serves, and only the one asked for. */
    const search = async (server: SpawnedServer, q: string, collection?: Name): Promise<Hit[]> => {
      const res = await server.callTool('query_documents', { query: q, top_n: 5, ...(collection ? { collection } : {}) });
      const who = `query "${q}"${collection ? ` with collection ${collection}` : ''} on ${server === instances.x ? 'X' : 'Y'}`;
      queries++;
      if (res.isError) {
        wrong.push(`${who} failed: ${JSON.stringify(res.content)}`);
        return [];
      }
      const hits = res.structuredContent.results as Hit[];
      const allowed = collection !== undefined ? [collection] : server === instances.x ? NAMES : ['notes'];
      for (const h of hits) {
        if (!allowed.includes(h.collection as Name)) wrong.push(`${who} returned a result of ${h.collection}: ${describeHits(hits)}`);
        else if (settledNow && !vaults[h.collection as Name].pages.has(h.path)) wrong.push(`${who} returned ${h.collection}/${h.path}, which is not on disk: ${describeHits(hits)}`);
      }
      if (res.structuredContent.skipped !== undefined) wrong.push(`${who} skipped ${JSON.stringify(res.structuredContent.skipped)}`);
      return hits;
    };
    /** The hits holding `word`: exactly the file that has it, ranked first. */
    const onlyAt = (hits: Hit[], word: string, collection: string, path: string): boolean => {
      const holding = hits.filter((h) => holds(h.content, word));
      return hits[0]?.collection === collection && hits[0]?.path === path && holding.length > 0 && holding.every((h) => h.collection === collection && h.path === path);
    };
    const nowhere = (hits: Hit[], word: string): boolean => !hits.some((h) => holds(h.content, word));

    /** Waits (bounded) until `token` is where the folder has it (or nowhere once deleted) in every instance, then checks every view. */
    const checkToken = async (token: Token, round: number | 'final'): Promise<void> => {
      const other: Name = token.collection === 'project' ? 'notes' : 'project';
      const where = `"${token.word}" (${token.collection}/${token.path ?? 'deleted'}, round ${round})`;
      const expect = (hits: Hit[]): boolean => (token.path === null ? nowhere(hits, token.word) : onlyAt(hits, token.word, token.collection, token.path));
      let last: Hit[] = [];
      const seen = (hits: Hit[]): boolean => ((last = hits), expect(hits));
      const failed = (who: string) => (err: unknown): never => {
        throw new Error(
          `${(err as Error).message}\nlast results in ${who}: ${describeHits(last)}\non disk: ${JSON.stringify(vaults[token.collection].filesOnDisk())}\n` +
            `changes so far:\n${history.join('\n')}`,
        );
      };
      await waitFor(`${where} in X`, async () => seen(await search(instances.x, token.word)), CHANGE_WAIT_MS, 100).catch(failed('X'));
      const inOwn = await search(instances.x, token.word, token.collection);
      assert.ok(expect(inOwn), `${where} in X with collection ${token.collection}: ${describeHits(inOwn)}`);
      const inOther = await search(instances.x, token.word, other);
      assert.ok(nowhere(inOther, token.word), `${where} in X with collection ${other}: ${describeHits(inOther)}`);
      if (token.collection === 'notes') {
        await waitFor(`${where} in Y`, async () => seen(await search(instances.y, token.word)), CHANGE_WAIT_MS, 100).catch(failed('Y'));
      } else {
        const inY = await search(instances.y, token.word);
        assert.ok(nowhere(inY, token.word), `${where}: Y, which serves the notes only, found it: ${describeHits(inY)}`);
      }
    };

    const initial = await waitSettled('X (both collections) and Y (notes) to index and embed the seed pages', 30_000);
    const xInfo = { project: entry(initial.xs, 'project'), notes: entry(initial.xs, 'notes') };
    for (const name of NAMES) {
      assert.equal(xInfo[name].description, DESCRIPTIONS[name]);
      assert.equal(xInfo[name].root, vaults[name].root);
    }
    assert.deepEqual(initial.ys.collections.map((c: Status) => c.name), ['notes']);
    assert.equal(initial.ys.collections[0].root, vaults.notes.root, 'Y serves the real folder behind the symlink');
    assert.equal(xInfo.notes.index_dir, initial.ys.index_dir, 'X and Y share the notes index');
    assert.ok(initial.ys.index_dir.startsWith(join(base, 'cache')), `the default index dir is under XDG_CACHE_HOME: ${initial.ys.index_dir}`);
    assert.notEqual(xInfo.project.index_dir, xInfo.notes.index_dir);

    const instructions = instances.x.client.getInstructions() ?? '';
    for (const name of NAMES) assert.ok(instructions.includes(`- ${name}: ${DESCRIPTIONS[name]} (${vaults[name].root};`), `instructions name ${name} with its description:\n${instructions}`);
    assert.ok(!(instances.y.client.getInstructions() ?? '').includes(vaults.project.root), 'Y knows nothing of the project');

    // --- churn ---------------------------------------------------------------------------------
    let names = 0;
    const freshPath = (name: Name): string => {
      const folder = pick(SUBFOLDERS[name]);
      return `${folder === '' ? '' : `${folder}/`}${pick(WORDS)}-${names++}.md`;
    };
    const newPage = (name: Name, token: string | null): VaultPage => ({
      title: `${name === 'project' ? 'Guide' : 'Note'} ${names}`,
      topic: name === 'project' ? 'A page of the project documentation about one component.' : 'A note written on an ordinary day.',
      revision: 1,
      token,
      links: ['index', pick(['setup', name === 'project' ? 'guides/deploy' : 'Alice'])],
    });
    const tokenAt = (name: Name, path: string): Token | undefined => tokens.find((t) => t.collection === name && t.path === path);
    /** One random change to a folder; a page holding a token is the target half of the time. Returns the tokens it moved or deleted. */
    const churnOnce = (name: Name): Token[] => {
      const vault = vaults[name];
      const folders = [...new Set([...vault.pages.keys()].filter((p) => p.includes('/')).map((p) => p.slice(0, p.lastIndexOf('/'))))];
      if (folders.length > 0 && random() < 0.1) {
        // A folder renamed in place, subfolders and all: every page under it moves at once.
        const from = pick(folders);
        const to = `${from}-${names++}`;
        count(`${name}:move-folder`, `${from} -> ${to}`);
        const moved = vault.moveFolder(from, to);
        const tokensMoved = tokens.filter((t) => t.collection === name && t.path !== null && moved.has(t.path));
        for (const t of tokensMoved) t.path = moved.get(t.path as string) as string;
        return tokensMoved;
      }
      const withToken = [...vault.pages.keys()].filter((p) => tokenAt(name, p) !== undefined);
      const path = withToken.length > 0 && random() < 0.5 ? pick(withToken) : pick([...vault.pages.keys()]);
      const page = vault.pages.get(path) as VaultPage;
      let op = pick(['create', 'edit', 'atomic', 'rename', 'delete'] as const);
      if (PROTECTED.has(path) && (op === 'rename' || op === 'delete')) op = 'atomic';
      if (op === 'delete' && vault.pages.size <= 5) op = 'create';
      const token = tokenAt(name, path);
      const to = op === 'create' || op === 'rename' ? freshPath(name) : path;
      count(`${name}:${op}`, op === 'rename' ? `${path} -> ${to}` : to);
      if (op === 'create') vault.write(to, newPage(name, null));
      else if (op === 'edit' || op === 'atomic') vault.write(path, { ...page, revision: page.revision + 1 }, op === 'atomic');
      else if (op === 'rename') {
        vault.rename(path, to);
        if (token) token.path = to;
      } else {
        vault.remove(path);
        if (token) token.path = null;
      }
      return token !== undefined && (op === 'rename' || op === 'delete') ? [token] : [];
    };

    const started = Date.now();
    let round = 0;
    while (Date.now() - started < CHURN_MS) {
      round++;
      const touched = NAMES.flatMap((name) => churnOnce(name));
      // This round's fresh token, in the project and the notes by turns, often in index.md or setup.md (a name both folders have).
      const name: Name = round % 2 === 1 ? 'project' : 'notes';
      const vault = vaults[name];
      const word = `tok${name[0]}${round}${Math.floor(random() * 36 ** 5).toString(36).padStart(5, 'a')}`;
      const plain = [...vault.pages.entries()].filter(([p]) => tokenAt(name, p) === undefined);
      const how = plain.length === 0 ? 'create' : pick(['create', 'edit', 'atomic'] as const);
      let path: string;
      if (how === 'create') {
        path = freshPath(name);
        vault.write(path, newPage(name, word));
      } else {
        const [at, page] = random() < 0.4 ? (plain.find(([p]) => PROTECTED.has(p)) ?? pick(plain)) : pick(plain);
        path = at;
        vault.write(path, { ...page, revision: page.revision + 1, token: word }, how === 'atomic');
      }
      count(`${name}:token-${how}`, `${path} (${word})`);
      const token: Token = { word, collection: name, path };
      tokens.push(token);
      for (const t of [token, ...touched.filter((t) => t !== token)]) await checkToken(t, round);
      assert.deepEqual(wrong, [], `wrong answers by round ${round}`);
    }
    const churnMs = Date.now() - started;
    process.stderr.write(`# ${round} rounds in ${churnMs} ms: ${JSON.stringify(ops)}; ${tokens.length} tokens, ${tokens.filter((t) => t.path === null).length} deleted\n`);
    assert.ok(round >= 4, `only ${round} churn rounds ran in ${churnMs} ms`);

    // --- after quiescence ----------------------------------------------------------------------
    const settled = await waitSettled('X and Y to settle after the churn', 45_000);
    settledNow = true;
    for (const token of tokens) await checkToken(token, 'final');
    assert.deepEqual(wrong, [], 'wrong answers after the churn');

    for (const [label, server, name] of [['X', instances.x, 'project'], ['X', instances.x, 'notes'], ['Y', instances.y, 'notes']] as const) {
      const res = await server.callTool('list_documents', label === 'X' ? { collection: name } : {});
      assert.ok(!res.isError, JSON.stringify(res.content));
      const listed = (res.structuredContent.documents as { collection: string; path: string }[]).map((d) => `${d.collection}:${d.path}`).sort();
      assert.deepEqual(listed, vaults[name].filesOnDisk().map((p) => `${name}:${p}`), `list_documents of ${name} on ${label}`);
    }

    const everything = await instances.x.callTool('list_documents', {});
    assert.ok(!everything.isError, JSON.stringify(everything.content));
    assert.deepEqual(
      (everything.structuredContent.documents as { collection: string; path: string }[]).map((d) => `${d.collection}:${d.path}`).sort(),
      NAMES.flatMap((name) => vaults[name].filesOnDisk().map((p) => `${name}:${p}`)).sort(),
      'list_documents on X without collection lists both folders',
    );

    // A path both folders have (or a link-style name both answer to): ambiguous without collection, the error listing both.
    for (const [path, listed] of [['setup.md', 'setup.md'], ['setup', 'setup.md']] as const) {
      const ambiguous = await instances.x.callTool('get_document', { path });
      assert.equal(ambiguous.isError, true, JSON.stringify(ambiguous.content));
      const message = ambiguous.content.map((c: { text?: string }) => c.text ?? '').join('\n');
      for (const name of NAMES) assert.ok(message.includes(`${name} (${listed})`), `get_document "${path}": the error lists ${name}: ${message}`);
    }
    // A path only one folder has needs no collection.
    for (const name of NAMES) {
      const other = new Set(vaults[name === 'project' ? 'notes' : 'project'].filesOnDisk());
      const only = vaults[name].filesOnDisk().find((p) => !other.has(p)) as string;
      const doc = await instances.x.callTool('get_document', { path: only });
      assert.ok(!doc.isError, JSON.stringify(doc.content));
      assert.equal(doc.structuredContent.collection, name, only);
      assert.equal(doc.structuredContent.content, readFileSync(join(vaults[name].root, only), 'utf8'));
    }
    for (const name of NAMES) {
      const doc = await instances.x.callTool('get_document', { path: 'setup.md', collection: name });
      assert.ok(!doc.isError, JSON.stringify(doc.content));
      assert.equal(doc.structuredContent.collection, name);
      assert.equal(doc.structuredContent.content, readFileSync(join(vaults[name].root, 'setup.md'), 'utf8'));
    }
    // Wikilinks resolve within their own folder: [[setup]] in each index.md is that folder's setup.md.
    for (const name of NAMES) {
      const doc = await instances.x.callTool('get_document', { path: 'index.md', collection: name });
      assert.ok(!doc.isError, JSON.stringify(doc.content));
      const setup = (doc.structuredContent.links_out as { target: string; path: string | null; status: string }[]).find((l) => l.target === 'setup');
      assert.deepEqual([setup?.path, setup?.status], ['setup.md', 'resolved'], `${name}/index.md links to its own setup.md`);
      const linking = (await instances.x.callTool('get_document', { path: 'setup.md', collection: name })).structuredContent.links_in as string[];
      assert.ok(linking.includes('index.md'), `${name}/setup.md is linked from index.md`);
      for (const from of linking) assert.ok(vaults[name].pages.has(from), `${name}/setup.md is linked from ${from}, which ${name} does not have`);
    }
    const fromY = await instances.y.callTool('get_document', { path: 'setup.md' });
    assert.ok(!fromY.isError, JSON.stringify(fromY.content));
    assert.equal(fromY.structuredContent.content, readFileSync(join(vaults.notes.root, 'setup.md'), 'utf8'));

    // Each chunk content of the notes was embedded once over X and Y together (and the project's by X).
    const computed = { project: entry(settled.xs, 'project').embeddings_computed as number, notes: (entry(settled.xs, 'notes').embeddings_computed as number) + (settled.ys.embeddings_computed as number) };
    for (const name of NAMES) {
      const needed = vaults[name].chunkHashes.size;
      const live = vaults[name].liveChunkHashes().size;
      const by = name === 'notes' ? ` (X ${entry(settled.xs, 'notes').embeddings_computed} + Y ${settled.ys.embeddings_computed})` : '';
      process.stderr.write(`# ${name}: embeddings computed ${computed[name]}${by} for ${needed} chunk contents written, ${live} on disk now\n`);
      assert.ok(computed[name] <= 1.1 * needed, `${name}: embeddings_computed ${computed[name]}${by} > 1.1 × ${needed} chunk contents written`);
      assert.ok(computed[name] >= live, `${name}: embeddings_computed ${computed[name]} < ${live} chunk contents on disk, each embedded by one of the instances`);
    }

    // `status --json` with X's config: both collections, with what the folders and the servers have.
    const cli = await runCli(['status', '--json', '--config', config], env, 30_000);
    assert.equal(cli.code, 0, cli.stderr);
    const status = JSON.parse(cli.stdout) as Status;
    assert.deepEqual(status.collections.map((c: Status) => c.name), ['project', 'notes']);
    for (const name of NAMES) {
      const c = entry(status, name);
      const served = entry(settled.xs, name);
      assert.equal(c.description, DESCRIPTIONS[name]);
      assert.equal(c.root, vaults[name].root);
      assert.equal(c.documents, vaults[name].filesOnDisk().length, `${name}: documents in status --json`);
      assert.equal(c.chunks, served.chunks, `${name}: chunks in status --json`);
      assert.equal(c.chunks_embedded, served.chunks, `${name}: chunks embedded in status --json`);
      assert.equal(c.generation, served.generation, `${name}: generation in status --json`);
      assert.equal(c.index_dir, served.index_dir);
    }
    assert.equal(status.documents, vaults.project.filesOnDisk().length + vaults.notes.filesOnDisk().length);
    assert.equal(status.chunks, settled.xs.chunks);
    // The same folders as plain --docs (the notes through the symlink): named after them, on the same indexes.
    const plain = await runCli(['status', '--json', '--docs', vaults.project.root, '--docs', notesLink], env, 30_000);
    assert.equal(plain.code, 0, plain.stderr);
    const plainStatus = JSON.parse(plain.stdout) as Status;
    for (const name of NAMES) {
      const c = entry(plainStatus, name);
      assert.equal(c.description, '');
      assert.equal(c.index_dir, entry(status, name).index_dir, `${name}: --docs finds the index of the [[collections]] entry`);
      assert.deepEqual([c.documents, c.chunks, c.generation], [entry(status, name).documents, entry(status, name).chunks, entry(status, name).generation]);
    }
    process.stderr.write(`# ${queries} queries\n`);

    const codes = await Promise.all([instances.x.stop(), instances.y.stop()]);
    assert.deepEqual(codes.map((c) => c.code), [0, 0]);
    assert.deepEqual(errorLines(instances.x.stderr()), [], 'X logged errors');
    assert.deepEqual(errorLines(instances.y.stderr()), [], 'Y logged errors');
  });

  test('a collection whose folder is missing degrades alone: the other is served, and results name the one skipped', { timeout: 30_000 }, async () => {
    const base = realpathSync(tmp.dir);
    const docs = join(base, 'served');
    mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, 'runbook.md'), '# Runbook\n\nRestart the tokrunbookq worker when the queue backs up.\n');
    writeFileSync(join(docs, 'index.md'), '# Index\n\nSee [[runbook]].\n');
    const missing = join(base, 'vendor-manual-not-there');
    const config = writeCollectionsConfig(join(base, 'missing.toml'), [
      { name: 'ops', path: docs, description: 'Operations runbooks.' },
      { name: 'vendor', path: missing, description: 'The vendor manual.' },
    ]);
    const env = { ...CLEAN_ENV, XDG_CACHE_HOME: join(base, 'cache-missing') };
    const server = await track(spawnConfiguredServer(config, { env }));

    const s = await waitStatus(server, 'the ops collection to be indexed', (st) => st.collections?.find((c: Status) => c.name === 'ops')?.documents === 2 && st.pending_files === 0, 15_000);
    const vendor = entry(s, 'vendor');
    assert.equal(vendor.state, 'degraded');
    assert.match(String(vendor.index_problem), /does not exist/);
    assert.ok(String(vendor.index_problem).includes(missing), String(vendor.index_problem));
    assert.ok(String(vendor.index_fix).includes(missing), String(vendor.index_fix));
    assert.equal(entry(s, 'ops').state, 'ready');
    assert.equal(s.state, 'degraded', 'the worst collection sets the state');
    assert.match(String(s.index_problem), /collection "vendor"/);

    const res = await server.callTool('query_documents', { query: 'tokrunbookq' });
    assert.ok(!res.isError, JSON.stringify(res.content));
    assert.equal(res.structuredContent.results[0]?.path, 'runbook.md');
    assert.ok(res.structuredContent.results.every((r: Hit) => r.collection === 'ops'));
    assert.equal(res.structuredContent.skipped?.length, 1);
    assert.equal(res.structuredContent.skipped[0].collection, 'vendor');
    assert.match(res.structuredContent.skipped[0].reason, /does not exist/);

    const asked = await server.callTool('query_documents', { query: 'tokrunbookq', collection: 'vendor' });
    assert.equal(asked.isError, true);
    assert.match(asked.content[0].text, /collection "vendor" is not served/);
    assert.match(server.client.getInstructions() ?? '', /- vendor: The vendor manual\./);

    // status says the same, and exits 1 while a configured folder is not served.
    const cli = await runCli(['status', '--json', '--config', config], env, 30_000);
    assert.equal(cli.code, 1, cli.stderr);
    const status = JSON.parse(cli.stdout) as Status;
    assert.equal(entry(status, 'ops').documents, 2);
    assert.equal(entry(status, 'vendor').state, 'degraded');
    assert.match(String(entry(status, 'vendor').index_problem), /does not exist/);
    assert.equal((await server.stop()).code, 0);
  });
});
