/**
 * Issue 10: with an embedder on, a query for a token that only one file holds must rank that file
 * first, even when dozens of pages share nearly all of its other words (strong semantic
 * neighbours), in every one of several instances sharing one index, while files are created,
 * edited, saved atomically, renamed and deleted around it.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { makeTempDir } from '../helpers/paths.js';
import { readStatus, type Status } from '../helpers/server-probes.js';
import { spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { waitFor } from '../helpers/wait.js';

const INSTANCES = 3;
const INITIAL_PAGES = 60;
const CHURN_MS = 25_000;
/** Every wait for one change to reach every instance is bounded by this. */
const CHANGE_WAIT_MS = 15_000;
/** A word every page holds: the "common theme word" of the two-word queries. */
const THEME_WORD = 'deploy';
/** Settings the test runner's own environment must not leak into the children. */
const CLEAN_ENV = { HF_HUB_OFFLINE: '', HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', RAGDOCS_CONFIG: '' };

const SERVICES = ['billing', 'checkout', 'inventory', 'ledger', 'search', 'payments', 'catalog', 'shipping', 'pricing', 'accounts', 'notifications', 'reports'];
const ROLES = ['api', 'worker', 'gateway', 'sync', 'scheduler'];
const FOLDERS = ['runbooks', 'runbooks/payments', 'services'];
const SYLLABLES = ['vax', 'quo', 'zel', 'mir', 'tov', 'plix', 'dru', 'gof', 'yen', 'kaz', 'brum', 'wix', 'jor', 'nuv'];

interface Token {
  /** A compound identifier: `zq7-<random>` (kebab) or `frobnicateWidget_<n>` (camel + snake). */
  id: string;
  /** A made-up plain word. */
  word: string;
  /** Where the file holding both is now; null once that file was deleted. */
  path: string | null;
  /** The path the file had when it was deleted. */
  deletedPath?: string;
}

interface Page {
  name: string;
  latencyMs: number;
  revision: number;
  token: Token | null;
}

interface Hit {
  path: string;
  score: number;
  matched_by: string[];
  content: string;
}

/** A small seeded PRNG (mulberry32): a failing run can be replayed with UNIQUE_TOKEN_SEED. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A service runbook; every page has the same sections and nearly the same words. */
function renderPage(page: Page): string {
  const title = page.name.replace(/-/g, ' ');
  const flag = page.token
    ? `Before the rollout, set the ${page.token.id} flag in the deploy config; the ${page.token.word} check must pass first.`
    : 'Before the rollout, set the release flag in the deploy config; the health check must pass first.';
  return [
    `# ${title} runbook`,
    '',
    `The ${title} service is owned by the platform team. This runbook covers how to deploy it, how to roll it back, and what the on-call engineer checks when an alert fires.`,
    '',
    '## Deploy',
    '',
    `Deploy ${title} with the standard pipeline: build the image, run the smoke tests, then promote the release from staging to production. ${flag} Watch the dashboard for error rate and latency during the rollout.`,
    '',
    '## Rollback',
    '',
    'If the error rate rises after a deploy, roll back to the previous release and page the on-call engineer. Record the incident in the on-call log with the release number.',
    '',
    '## Alerts',
    '',
    `Alerts fire when p99 latency passes ${page.latencyMs} ms for five minutes or the queue backs up (revision ${page.revision}). Check the logs first, then the dashboard, then recent deploys.`,
    '',
  ].join('\n');
}

function markdownFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.md')).map((f) => f.split('\\').join('/'));
}

/** Whether `text` holds `term` as a whole token (`frobnicateWidget_3` is not in `frobnicateWidget_31`). */
function holds(text: string, term: string): boolean {
  return new RegExp(`(?<![\\w-])${term}(?![\\w-])`).test(text);
}

function describeTop(hits: Hit[]): string {
  return JSON.stringify(hits.slice(0, 3).map((h) => ({ path: h.path, score: h.score, matched_by: h.matched_by })));
}

describe('a token unique to one file, with an embedder, under multi-instance churn', () => {
  const tmp = makeTempDir('ragdocs-unique-token-');
  const servers: SpawnedServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    tmp.cleanup();
  });

  test('ranks the file holding the token first, with the top score, in every instance, every time', { timeout: 150_000 }, async () => {
    const seed = Number(process.env.UNIQUE_TOKEN_SEED ?? Date.now() % 1_000_000);
    process.stderr.write(`# unique-token seed ${seed} (replay with UNIQUE_TOKEN_SEED=${seed})\n`);
    const random = createRandom(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

    const docs = join(tmp.dir, 'docs');
    const indexDir = join(tmp.dir, 'index');
    const pages = new Map<string, Page>();
    const tokens: Token[] = [];
    let names = 0;
    let saves = 0;
    const freshPath = (): string => {
      const n = names++;
      return `${pick(FOLDERS)}/${SERVICES[n % SERVICES.length]}-${ROLES[Math.floor(n / SERVICES.length) % ROLES.length]}-${n}.md`;
    };
    const write = (path: string, page: Page, atomic: boolean): void => {
      pages.set(path, page);
      const file = join(docs, path);
      mkdirSync(dirname(file), { recursive: true });
      if (!atomic) return writeFileSync(file, renderPage(page));
      // An editor's atomic save: the whole text to a temp file beside it, then one rename over it.
      const temp = `${file}.tmp-${saves++}`;
      writeFileSync(temp, renderPage(page));
      renameSync(temp, file);
    };
    const newPage = (path: string, token: Token | null = null): Page => ({
      name: path.replace(/^.*\//, '').replace(/-\d+\.md$/, ''),
      latencyMs: 200 + 50 * Math.floor(random() * 10),
      revision: 1,
      token,
    });
    const freshToken = (round: number): Token => {
      const taken = new Set(tokens.map((t) => t.word));
      let word = '';
      while (word === '' || taken.has(word)) word = Array.from({ length: 3 }, () => pick(SYLLABLES)).join('') + pick(['ane', 'ora', 'ith']);
      const id = round % 2 === 0 ? `zq7-${Math.floor(random() * 36 ** 6).toString(36)}` : `frobnicateWidget_${round}`;
      return { id, word, path: null };
    };

    for (let i = 0; i < INITIAL_PAGES; i++) {
      const path = freshPath();
      write(path, newPage(path), false);
    }
    const env = { ...CLEAN_ENV, XDG_CACHE_HOME: join(tmp.dir, 'cache'), RAGDOCS_EMBEDDER: 'test' };
    servers.push(...(await Promise.all(Array.from({ length: INSTANCES }, () => spawnServer({ docs, indexDir, env })))));

    /** Every instance idle on one generation, holding what is on disk, every chunk embedded. */
    const waitSettled = async (what: string, timeoutMs: number): Promise<Status[]> => {
      let last: Status[] = [];
      return waitFor(what, async () => {
        last = await Promise.all(servers.map(readStatus));
        const onDisk = markdownFiles(docs).length;
        const settled = last.every((s) => s.state === 'ready' && s.pending_files === 0 && s.documents === onDisk && s.chunks > 0 && s.chunks_embedded === s.chunks);
        return settled && new Set(last.map((s) => s.generation)).size === 1 ? last : null;
      }, timeoutMs, 100).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\nlast statuses: ${JSON.stringify(last)}`);
      });
    };
    const query = async (server: SpawnedServer, q: string): Promise<Hit[]> => {
      const res = await server.callTool('query_documents', { query: q, top_n: 10 });
      assert.ok(!res.isError, `query "${q}" failed: ${JSON.stringify(res.content)}`);
      return res.structuredContent.results as Hit[];
    };
    let semanticNeighbours = 0;
    let checks = 0;
    /** The assertion of the issue: `path` first, found by keyword, strictly above every other result. */
    const assertFirst = async (server: SpawnedServer, q: string, path: string, strict: boolean): Promise<void> => {
      const hits = await query(server, q);
      const where = `query "${q}" on instance ${servers.indexOf(server)}: expected ${path} first, got ${describeTop(hits)}`;
      assert.equal(hits[0]?.path, path, where);
      assert.ok(hits[0]?.matched_by.includes('keyword'), where);
      if (strict) for (const other of hits.slice(1)) assert.ok(hits[0].score > other.score, `${where}; tied or beaten by ${JSON.stringify(other)}`);
      if (hits.slice(1).some((h) => h.path !== path && h.matched_by.includes('semantic'))) semanticNeighbours++;
      checks++;
    };
    const assertTokenFirst = async (server: SpawnedServer, token: Token): Promise<void> => {
      const path = token.path as string;
      await assertFirst(server, token.id, path, true);
      await assertFirst(server, token.word, path, true);
      await assertFirst(server, `${token.id} ${THEME_WORD}`, path, false);
      await assertFirst(server, `${token.word} ${THEME_WORD}`, path, false);
    };

    const initial = await waitSettled(`${INSTANCES} instances to index and embed ${INITIAL_PAGES} pages`, 45_000);
    process.stderr.write(`# initial: ${initial[0]?.documents} documents, ${initial[0]?.chunks} chunks\n`);

    const started = Date.now();
    let round = 0;
    const ops: Record<string, number> = {};
    const count = (op: string): void => void (ops[op] = (ops[op] ?? 0) + 1);
    while (Date.now() - started < CHURN_MS) {
      round++;
      // Churn around the token: 1–3 creates, edits, atomic saves, renames or deletes of other pages.
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) {
        const paths = [...pages.keys()];
        const path = pick(paths);
        const page = pages.get(path) as Page;
        const op = pick(['create', 'edit', 'atomic', 'rename', 'delete'] as const);
        count(op);
        if (op === 'create' || (op === 'delete' && pages.size <= INITIAL_PAGES - 5)) {
          const to = freshPath();
          write(to, newPage(to), false);
        } else if (op === 'edit' || op === 'atomic') {
          write(path, { ...page, revision: page.revision + 1, latencyMs: page.latencyMs + 10 }, op === 'atomic');
        } else if (op === 'rename') {
          const to = freshPath();
          mkdirSync(dirname(join(docs, to)), { recursive: true });
          renameSync(join(docs, path), join(docs, to));
          pages.delete(path);
          pages.set(to, page);
          if (page.token) page.token.path = to;
        } else {
          rmSync(join(docs, path));
          pages.delete(path);
          if (page.token) Object.assign(page.token, { path: null, deletedPath: path });
        }
      }
      // This round's token goes into one file that otherwise reads like its neighbours.
      const token = freshToken(round);
      tokens.push(token);
      const plain = [...pages.entries()].filter(([, p]) => p.token === null);
      const how = pick(['create', 'edit', 'atomic'] as const);
      count(`token-${how}`);
      if (how === 'create' || plain.length === 0) {
        token.path = freshPath();
        write(token.path, newPage(token.path, token), false);
      } else {
        const [path, page] = pick(plain);
        token.path = path;
        write(path, { ...page, revision: page.revision + 1, token }, how === 'atomic');
      }
      const path = token.path;
      // The file's old version is a semantic neighbour of any query: wait for the chunk with the token.
      for (const server of servers) {
        await waitFor(`${path} with "${token.id}" to reach instance ${servers.indexOf(server)} (round ${round})`, async () =>
          (await query(server, token.id)).some((h) => h.path === path && holds(h.content, token.id)), CHANGE_WAIT_MS, 100);
      }
      for (const server of servers) await assertTokenFirst(server, token);
    }
    const churnMs = Date.now() - started;

    // After the churn, with every vector in place: each token still on disk leads in every instance.
    await waitSettled('every instance to settle after the churn', 45_000);
    for (const server of servers) {
      for (const token of tokens) {
        if (token.path !== null) {
          assert.ok(existsSync(join(docs, token.path)));
          await assertTokenFirst(server, token);
          continue;
        }
        for (const q of [token.id, token.word]) {
          const hits = await query(server, q);
          const where = `query "${q}" on instance ${servers.indexOf(server)} after ${token.deletedPath} was deleted: ${describeTop(hits)}`;
          assert.ok(!hits.some((h) => h.path === token.deletedPath), where);
          assert.ok(!hits.some((h) => holds(h.content, q)), where);
        }
      }
    }
    const deleted = tokens.filter((t) => t.path === null).length;
    process.stderr.write(
      `# ${round} rounds in ${churnMs} ms (${JSON.stringify(ops)}); ${tokens.length} tokens, ${deleted} deleted; ` +
        `${checks} ranking checks, ${semanticNeighbours} with a semantic neighbour listed\n`,
    );
    assert.ok(round >= 5, `only ${round} churn rounds ran in ${churnMs} ms`);
    // The hard case of the issue did occur: semantic neighbours lacking the token were in the results.
    assert.ok(semanticNeighbours > 0, 'no query listed a semantic neighbour: the embedder took no part');

    const codes = await Promise.all(servers.map((s) => s.stop()));
    assert.deepEqual(codes.map((c) => c.code), Array.from({ length: INSTANCES }, () => 0));
    for (const server of servers) {
      const errors = server.stderr().split('\n').filter((l) => l.startsWith('{') && (JSON.parse(l) as { level: number }).level >= 50);
      assert.deepEqual(errors, [], `instance ${servers.indexOf(server)} logged errors`);
    }
  });
});
