import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseLogFormat, createLogger } from '../../src/app/logger.js';
import { formatDuration, formatProgressLine, startProgressBar } from '../../src/cli/progress.js';

describe('progress line', () => {
  const frame = { label: 'indexing', unit: 'files', total: 2000 };

  test('shows percent, counts, files/s and an ETA while running', () => {
    const line = formatProgressLine({ ...frame, done: 500, elapsedMs: 2000 });
    assert.match(line, /^indexing [█░]+ 25% · 500\/2000 files · 250 files\/s · ETA 6 s$/);
  });

  test('never passes 100 % and a finished run shows exactly 100 % with its time', () => {
    assert.match(formatProgressLine({ ...frame, done: 2300, elapsedMs: 10_000 }), / 100% · 2000\/2000 files · 200 files\/s · in 10 s$/);
    assert.match(formatProgressLine({ ...frame, total: 0, done: 0, elapsedMs: 10 }), / 100% · 0\/0 files/);
  });

  test('no rate from the first half second', () => {
    assert.doesNotMatch(formatProgressLine({ ...frame, done: 10, elapsedMs: 100 }), /files\/s|ETA/);
  });

  test('durations read naturally', () => {
    assert.equal(formatDuration(42.4), '42 s');
    assert.equal(formatDuration(185), '3 min 05 s');
    assert.equal(formatDuration(3720), '1 h 02 min');
  });

  test('the bar keeps its total and its last frame is 100 %', () => {
    const writes: string[] = [];
    let done = 0;
    const bar = startProgressBar({ label: 'indexing', unit: 'files', total: 6, read: () => done, write: (t) => writes.push(t), intervalMs: 1_000_000 });
    done = 4;
    bar.finish();
    assert.match(writes[0] ?? '', /0% · 0\/6 files/);
    assert.match(writes.at(-1) ?? '', /100% · 6\/6 files.*\n$/);
  });
});

describe('log format', () => {
  test('human only when stderr is a terminal and no log file is set', () => {
    assert.equal(chooseLogFormat({ level: 'info', file: null }, true), 'human');
    assert.equal(chooseLogFormat({ level: 'info', file: null }, false), 'json');
    assert.equal(chooseLogFormat({ level: 'info', file: '/tmp/x.log' }, true), 'json');
  });

  test('human lines: time, level, message and the fix; no JSON, no pid', () => {
    const lines: string[] = [];
    const problems: string[] = [];
    const logger = createLogger({ level: 'info', file: null }, { instance: 'abc' }, { format: 'human', writeHuman: (l) => lines.push(l), onProblem: (m) => problems.push(m) });
    logger.warn({ fix: 'run `models pull`', cache: '/somewhere' }, 'the model is missing');
    logger.info('indexed');
    // eslint-disable-next-line no-control-regex
    const plain = lines.map((l) => l.replace(/\x1b\[[0-9;]*[A-Za-z]|\r/g, ''));
    assert.match(plain[0] ?? '', /^\[\d\d:\d\d:\d\d\] WARN: the model is missing \(fix: run `models pull`\)\n$/);
    assert.match(plain[1] ?? '', /^\[\d\d:\d\d:\d\d\] INFO: indexed\n$/);
    assert.deepEqual(problems, ['the model is missing']);
  });
});
