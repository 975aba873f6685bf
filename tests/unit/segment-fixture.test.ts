import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { sha256 } from '../../src/core/hash.js';
import { Corpus } from '../../src/indexing/corpus.js';
import { alignedBytes } from '../../src/indexing/merge-job.js';
import { TextStore } from '../../src/indexing/text-store.js';
import { createLinkGraph } from '../../src/indices/graph.js';
import { createSegmentIndex } from '../../src/indices/keyword.js';
import { textBlobName } from '../../src/indices/segment-build.js';
import { decodeSegment, SEGMENT_VERSION, SegmentVersionError, type SegmentData } from '../../src/indices/segment-layout.js';
import { aliasesOf, pathOf, tagsOf, titleOf } from '../../src/indices/segment-index.js';
import { checkTextHeader } from '../../src/indices/text-blob.js';
import { fixturePath } from '../helpers/paths.js';
import { hexAt } from '../helpers/segments.js';

// Checked-in bytes written by an earlier build (see tests/fixtures/segments/README.md): the
// current format version must read its own folder exactly, and refuse every other version as
// a version (a rebuild), never misread it.

const root = fixturePath('segments');
const folders = readdirSync(root).filter((name) => /^v\d+$/.test(name) && statSync(fixturePath('segments', name)).isDirectory());

function openFixture(folder: string): SegmentData {
  const bytes = readFileSync(fixturePath('segments', folder, 'seg.bin'));
  return decodeSegment(alignedBytes(bytes), sha256(bytes));
}

describe('segment fixtures', () => {
  test(`the current format version (${SEGMENT_VERSION}) has its fixture`, () => {
    assert.ok(folders.includes(`v${SEGMENT_VERSION}`), `no tests/fixtures/segments/v${SEGMENT_VERSION}: add one as its README says`);
    for (const file of ['seg.bin', 'txt.bin']) assert.ok(existsSync(fixturePath('segments', `v${SEGMENT_VERSION}`, file)), file);
  });

  for (const folder of folders.filter((f) => f !== `v${SEGMENT_VERSION}`)) {
    test(`${folder} is refused as another version, not as damage`, () => {
      assert.throws(() => openFixture(folder), (err: unknown) => err instanceof SegmentVersionError && err.version === Number(folder.slice(1)));
    });
  }
});

describe(`segment fixture v${SEGMENT_VERSION}: known contents`, () => {
  const folder = `v${SEGMENT_VERSION}`;
  const txtPath = fixturePath('segments', folder, 'txt.bin');
  const data = openFixture(folder);
  const texts = new TextStore();
  after(() => texts.close());

  test('the document and chunk tables', () => {
    assert.equal(data.docCount, 3);
    assert.deepEqual([0, 1, 2].map((d) => pathOf(data, d)), ['guide/install.md', 'image.png', 'notes.md']);
    assert.deepEqual([0, 1, 2].map((d) => titleOf(data, d)), ['Install Guide', '', 'Notes']);
    assert.deepEqual(tagsOf(data, 0), ['setup']);
    assert.deepEqual(aliasesOf(data, 0), ['installing']);
    assert.deepEqual([...data.docChunks], [2, 0, 1]);
    assert.deepEqual([...data.docSize], [97, 2048, 48]);
    assert.deepEqual([...data.docMtime], [1700000001500.25, 1700000002000, 1700000000000]);
    assert.deepEqual([...data.docFlags], [0, 1, 0]);
    assert.equal(hexAt(data.docHash, 2), sha256('notes.md'));
    assert.equal(hexAt(data.docHash, 1), '0'.repeat(64));
    assert.equal(data.chunkCount, 3);
    assert.deepEqual([...data.chunkStart], [1, 5, 1]);
    assert.deepEqual([...data.chunkEnd], [3, 7, 1]);
    assert.equal(hexAt(data.chunkHash, 2), sha256('\n\nPlain notes about getUserById and the zeppelin.'));
    assert.equal(JSON.parse(data.info.settings).segment, SEGMENT_VERSION);
  });

  test('the text blob is the one the segment names', () => {
    const txt = readFileSync(txtPath);
    assert.deepEqual(data.info.texts, [textBlobName(txt)]);
    checkTextHeader(txt);
  });

  test('searched and read through a corpus, texts read from the fixture file', async () => {
    const name = data.info.texts[0] as string;
    await texts.openFiles([{ name, path: txtPath, bytes: statSync(txtPath).size }]);
    assert.equal(texts.openFileCount, 1);
    const index = createSegmentIndex({});
    index.add(data);
    const corpus = new Corpus({}, texts, { index, graph: createLinkGraph(), vector: null });
    assert.deepEqual(corpus.search('max_file_bytes', 5).map((h) => h.id), ['guide/install.md#1']);
    assert.deepEqual(corpus.search('zeppelin', 5).map((h) => h.id), ['notes.md#0']);
    assert.deepEqual(corpus.search('getUserById', 5).map((h) => h.id), ['notes.md#0']);
    assert.deepEqual(corpus.search('binary', 5), []);
    assert.equal(corpus.documentCount, 2);
    assert.equal(corpus.skippedCount, 1);

    const chunks = await corpus.readChunks(['guide/install.md#1', 'notes.md#0']);
    assert.deepEqual(chunks.get('guide/install.md#1'), {
      id: 'guide/install.md#1',
      path: 'guide/install.md',
      headingPath: ['Install Guide', 'Configure'],
      startLine: 5,
      endLine: 7,
      content: '## Configure\n\nSet max_file_bytes in config.toml.',
      hash: sha256('Install Guide\nConfigure\n\n## Configure\n\nSet max_file_bytes in config.toml.'),
    });
    assert.equal(chunks.get('notes.md#0')?.content, 'Plain notes about getUserById and the zeppelin.');

    const meta = await corpus.readDocument('guide/install.md');
    assert.deepEqual(meta, {
      path: 'guide/install.md',
      title: 'Install Guide',
      tags: ['setup'],
      aliases: ['installing'],
      headings: [
        { depth: 1, text: 'Install Guide', slug: 'install-guide', line: 1 },
        { depth: 2, text: 'Configure', slug: 'configure', line: 5 },
      ],
      // v1 records predate block ids: read as a document without any.
      blockIds: [],
      links: [{ kind: 'wiki', target: 'Notes', line: 3 }],
      chunkIds: ['guide/install.md#0', 'guide/install.md#1'],
      warnings: ['an example warning'],
    });
    assert.equal(await corpus.readDocument('image.png'), null);
  });
});
