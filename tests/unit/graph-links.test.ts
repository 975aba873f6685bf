import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLinkGraph, loadLinkGraph } from '../../src/indices/graph.js';

describe('link graph', () => {
  test('out-links, backlinks and neighbours', () => {
    const graph = createLinkGraph();
    graph.setDocument('a.md', ['b.md', 'c.md', 'b.md', 'a.md'], ['missing.md']);
    graph.setDocument('b.md', ['c.md'], []);
    graph.setDocument('c.md', [], []);
    graph.setDocument('d.md', ['a.md'], []);
    assert.deepEqual(graph.outLinks('a.md'), ['b.md', 'c.md']);
    assert.deepEqual(graph.backlinks('c.md'), ['a.md', 'b.md']);
    assert.deepEqual(graph.neighbors('a.md'), ['b.md', 'c.md', 'd.md']);
    assert.deepEqual(graph.neighbors('unknown.md'), []);
    assert.equal(graph.documentCount, 4);
    assert.deepEqual(graph.unresolvedLinks(), [{ from: 'a.md', target: 'missing.md' }]);
  });

  test('setDocument replaces a document\'s out-links', () => {
    const graph = createLinkGraph();
    graph.setDocument('b.md', [], []);
    graph.setDocument('c.md', [], []);
    graph.setDocument('a.md', ['b.md'], ['x']);
    graph.setDocument('a.md', ['c.md'], []);
    assert.deepEqual(graph.outLinks('a.md'), ['c.md']);
    assert.deepEqual(graph.backlinks('b.md'), []);
    assert.deepEqual(graph.unresolvedLinks(), []);
  });

  test('a target set before its document exists is not present until it is set', () => {
    const graph = createLinkGraph();
    graph.setDocument('a.md', ['later.md'], []);
    assert.equal(graph.hasDocument('later.md'), false);
    assert.deepEqual(graph.outLinks('a.md'), []);
    assert.deepEqual(graph.unresolvedLinks(), [{ from: 'a.md', target: 'later.md' }]);
    graph.setDocument('later.md', [], []);
    assert.deepEqual(graph.outLinks('a.md'), ['later.md']);
    assert.deepEqual(graph.backlinks('later.md'), ['a.md']);
    assert.deepEqual(graph.unresolvedLinks(), []);
  });

  test('removing a document makes links to it unresolved, and re-adding resolves them', () => {
    const graph = createLinkGraph();
    graph.setDocument('a.md', ['b.md'], []);
    graph.setDocument('b.md', ['c.md'], []);
    graph.setDocument('c.md', [], []);
    graph.removeDocument('b.md');
    assert.equal(graph.hasDocument('b.md'), false);
    assert.deepEqual(graph.outLinks('a.md'), []);
    assert.deepEqual(graph.backlinks('c.md'), [], 'the removed doc\'s out-links are gone');
    assert.deepEqual(graph.neighbors('b.md'), []);
    assert.deepEqual(graph.unresolvedLinks(), [{ from: 'a.md', target: 'b.md' }]);
    graph.setDocument('b.md', [], []);
    assert.deepEqual(graph.outLinks('a.md'), ['b.md']);
    assert.deepEqual(graph.backlinks('c.md'), []);
    graph.removeDocument('a.md');
    graph.removeDocument('b.md');
    graph.removeDocument('c.md');
    graph.removeDocument('never.md');
    assert.equal(graph.documentCount, 0);
    assert.equal(graph.toJSON().graph.nodes.length, 0, 'orphaned absent nodes are dropped');
  });

  test('snapshot round trip', () => {
    const graph = createLinkGraph();
    graph.setDocument('a.md', ['b.md', 'gone.md'], ['Wiki Page']);
    graph.setDocument('b.md', ['a.md'], []);
    const json = JSON.parse(JSON.stringify(graph.toJSON()));
    const loaded = loadLinkGraph(json);
    assert.deepEqual(loaded.neighbors('a.md'), graph.neighbors('a.md'));
    assert.deepEqual(loaded.unresolvedLinks(), graph.unresolvedLinks());
    assert.equal(loaded.documentCount, 2);
    loaded.setDocument('gone.md', [], []);
    assert.deepEqual(loaded.outLinks('a.md'), ['b.md', 'gone.md']);
  });

  test('bad snapshots fail with typed errors', () => {
    assert.throws(() => loadLinkGraph({} as never), (err: Error & { code?: string }) => err.code === 'INDEX_CORRUPT');
    assert.throws(() => loadLinkGraph({ format: 'ragdocs-graph', version: 7 } as never), (err: Error & { code?: string }) => err.code === 'INDEX_FORMAT');
    const bad = { format: 'ragdocs-graph', version: 1, graph: { nodes: [{ key: 'a', attributes: {} }], edges: [] } };
    assert.throws(() => loadLinkGraph(bad as never), /malformed/);
    const dangling = { format: 'ragdocs-graph', version: 1, graph: { nodes: [], edges: [{ source: 'x', target: 'y' }] } };
    assert.throws(() => loadLinkGraph(dangling as never), (err: Error & { code?: string }) => err.code === 'INDEX_CORRUPT');
  });
});
