/**
 * The live view over a list of immutable segments (a log-structured design): which copy of each
 * path is current, deletion masks, file stamps, field statistics, merge planning, and the
 * keyword search over all of it. Pure; segments arrive opened (segment-layout.ts), texts are
 * read by the owner.
 *
 * A path lives in at most one segment at a time: adding a segment masks the older copies of
 * every path it holds; removing a path masks its copy. Masks are per document (a document's
 * chunks live and die together). A "stamp" records a new size and mtime of a file whose bytes
 * did not change (a touch, a checkout) without rewriting its segment; merges fold stamps in.
 */
import type { KeywordEvidence, RankedHit } from '../core/types.js';
import { stringAt } from './segment-format.js';
import { DOC_FLAG_SKIPPED, FIELD_COUNT, type SegmentData } from './segment-layout.js';
import { searchSegments, searchUnits, type ScoringSettings, type SearchUnit } from './segment-search.js';
import type { QueryUnit } from './keyword-tokenize.js';
import { planMerge, type MergePolicy } from './keyword-tiers.js';

export interface LiveSegment {
  data: SegmentData;
  /** 1 where the document's copy is masked. */
  dead: Uint8Array;
  deadDocs: number;
  deadChunks: number;
}

export interface DocRef {
  seg: LiveSegment;
  doc: number;
}

/** What the file table knows about a path. */
export interface FileView {
  path: string;
  size: number;
  mtimeMs: number;
  /** sha256 hex of the file's bytes. */
  hash: string;
  chunks: number;
  /** True for a file that is deliberately not indexed (binary, too large…). */
  skipped: boolean;
}

export interface Stamp {
  size: number;
  mtimeMs: number;
}

/** A planned merge: rebuild `run` (contiguous, oldest first) into one segment, folding `stamps`. */
export interface MergePlanJob {
  run: LiveSegment[];
  /** The masks as they were when planned (the builder drops these documents). */
  dead: Uint8Array[];
  stamps: Map<string, Stamp>;
}

/** Persisted form of the live view (without the segment bodies). */
export interface SegmentIndexState {
  segments: { id: string; dead: number[] }[];
  stamps: [string, number, number][];
}

export const chunkId = (path: string, ordinal: number): string => `${path}#${ordinal}`;

/** Splits a chunk id into its path and ordinal, or null. */
export function parseChunkId(id: string): { path: string; ordinal: number } | null {
  const hash = id.lastIndexOf('#');
  if (hash < 0) return null;
  const ordinal = Number(id.slice(hash + 1));
  return Number.isSafeInteger(ordinal) && ordinal >= 0 ? { path: id.slice(0, hash), ordinal } : null;
}

export class SegmentIndex {
  segments: LiveSegment[] = [];
  private readonly location = new Map<string, DocRef>();
  private readonly stamps = new Map<string, Stamp>();
  /** Indexed (not skipped) live documents, and their chunks. */
  liveDocs = 0;
  liveChunks = 0;
  skippedFiles = 0;
  private readonly fieldTotals = new Float64Array(FIELD_COUNT);

  constructor(
    readonly scoring: ScoringSettings,
    readonly policy: MergePolicy,
  ) {}

  /** Restores a persisted view over opened segments (oldest first). */
  static restore(scoring: ScoringSettings, policy: MergePolicy, segments: readonly { data: SegmentData; dead: readonly number[] }[], stamps: readonly [string, number, number][]): SegmentIndex {
    const index = new SegmentIndex(scoring, policy);
    for (const { data, dead } of segments) {
      const seg = index.add(data);
      for (const doc of dead) if (doc >= 0 && doc < data.docCount) index.maskDoc(seg, doc);
    }
    for (const [path, size, mtimeMs] of stamps) if (index.location.has(path)) index.stamps.set(path, { size, mtimeMs });
    return index;
  }

  /** Adds a segment as the newest: its paths mask their older copies. */
  add(data: SegmentData): LiveSegment {
    const seg: LiveSegment = { data, dead: new Uint8Array(data.docCount), deadDocs: 0, deadChunks: 0 };
    this.segments.push(seg);
    for (let doc = 0; doc < data.docCount; doc++) {
      const path = pathOf(data, doc);
      this.remove(path);
      this.location.set(path, { seg, doc });
      this.count({ seg, doc }, 1);
    }
    return seg;
  }

  /** Masks the live copy of `path`, if any. */
  remove(path: string): boolean {
    const at = this.location.get(path);
    if (at === undefined) return false;
    this.location.delete(path);
    this.stamps.delete(path);
    this.maskDoc(at.seg, at.doc);
    return true;
  }

  stamp(path: string, size: number, mtimeMs: number): void {
    if (this.location.has(path)) this.stamps.set(path, { size, mtimeMs });
  }

  has(path: string): boolean {
    return this.location.has(path);
  }

  get(path: string): DocRef | undefined {
    return this.location.get(path);
  }

  /** Every live path (documents and skipped files), in no particular order. */
  paths(): IterableIterator<string> {
    return this.location.keys();
  }

  file(path: string): FileView | undefined {
    const at = this.location.get(path);
    if (at === undefined) return undefined;
    const { data, doc } = { data: at.seg.data, doc: at.doc };
    const stamp = this.stamps.get(path);
    return {
      path,
      size: stamp?.size ?? (data.docSize[doc] as number),
      mtimeMs: stamp?.mtimeMs ?? (data.docMtime[doc] as number),
      hash: Buffer.from(data.docHash.buffer, data.docHash.byteOffset + 32 * doc, 32).toString('hex'),
      chunks: data.docChunks[doc] as number,
      skipped: ((data.docFlags[doc] as number) & DOC_FLAG_SKIPPED) !== 0,
    };
  }

  /** The segment and chunk number of a chunk id, if it is live. */
  chunk(id: string): { seg: LiveSegment; doc: number; chunk: number } | undefined {
    const parsed = parseChunkId(id);
    if (parsed === null) return undefined;
    const at = this.location.get(parsed.path);
    if (at === undefined || parsed.ordinal >= (at.seg.data.docChunks[at.doc] as number)) return undefined;
    return { ...at, chunk: (at.seg.data.docFirstChunk[at.doc] as number) + parsed.ordinal };
  }

  /** BM25F hits for already-analysed query terms, best first. */
  search(terms: readonly string[], limit: number): RankedHit[] {
    if (this.liveChunks === 0 || terms.length === 0) return [];
    return searchSegments({ ...this.scoringInput(), terms, limit });
  }

  /** What both searches score against: the live segments, settings, average field lengths, chunk ids. */
  private scoringInput() {
    const segments = this.segments;
    const live = this.liveChunks;
    return {
      segments,
      settings: this.scoring,
      averageLengths: Array.from(this.fieldTotals, (total) => (live > 0 ? total / live : 0)),
      idOf: (s: number, c: number): string => {
        const data = (segments[s] as LiveSegment).data;
        const doc = data.chunkDoc[c] as number;
        return chunkId(pathOf(data, doc), c - (data.docFirstChunk[doc] as number));
      },
    };
  }

  /** BM25F hits with their evidence for analysed query units (keyword-tokenize.ts). */
  searchEvidence(units: readonly QueryUnit[], limit: number): KeywordEvidence {
    const location = this.location;
    const result = searchUnits({
      ...this.scoringInput(),
      units: units.map(weighUnit),
      limit: this.liveChunks === 0 || units.length === 0 ? 0 : limit,
    });
    return {
      hits: result.hits,
      units: result.units.map((u, i) => ({ ...u, terms: units[i]?.terms ?? [], kind: units[i]?.kind ?? 'word', code: units[i]?.code === true })),
      chunkCount: result.chunkCount,
      docMask(path) {
        const at = location.get(path);
        return at === undefined ? 0 : (result.docMasks.get(at.seg.data)?.[at.doc] ?? 0);
      },
    };
  }

  /**
   * The next merge to run, or null. Tiers as in keyword-tiers.ts, by live copies (chunks +
   * documents, so a segment of skipped files is not "empty"); stamps are folded by rewriting
   * the segment holding most of them once they pile up.
   */
  nextMerge(): MergePlanJob | null {
    const sizes = this.segments.map((seg) => ({
      live: seg.data.chunkCount - seg.deadChunks + seg.data.docCount - seg.deadDocs,
      stored: seg.data.chunkCount + seg.data.docCount,
    }));
    let plan = planMerge(sizes, this.policy);
    if (plan === null && this.stamps.size > Math.max(256, (this.liveDocs + this.skippedFiles) / 100)) {
      const perSeg = new Map<LiveSegment, number>();
      for (const path of this.stamps.keys()) {
        const seg = this.location.get(path)?.seg;
        if (seg) perSeg.set(seg, (perSeg.get(seg) ?? 0) + 1);
      }
      const most = [...perSeg.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      const at = most === undefined ? -1 : this.segments.indexOf(most);
      if (at >= 0) plan = { start: at, end: at + 1 };
    }
    if (plan === null) return null;
    const run = this.segments.slice(plan.start, plan.end);
    const stamps = new Map<string, Stamp>();
    for (const seg of run) {
      for (let doc = 0; doc < seg.data.docCount; doc++) {
        if (seg.dead[doc] === 1) continue;
        const path = pathOf(seg.data, doc);
        const stamp = this.stamps.get(path);
        if (stamp) stamps.set(path, stamp);
      }
    }
    return { run, dead: run.map((seg) => seg.dead.slice()), stamps };
  }

  /**
   * Swaps a built merge in. False (nothing changes) when the run is no longer a contiguous run
   * of current segments. Documents masked or replaced since the plan stay masked.
   */
  applyMerge(job: MergePlanJob, merged: SegmentData | null): boolean {
    const first = job.run[0];
    const start = first === undefined ? -1 : this.segments.indexOf(first);
    if (start < 0 || job.run.some((seg, k) => this.segments[start + k] !== seg)) return false;
    const mergedDocs = new Map<string, number>();
    if (merged !== null) for (let doc = 0; doc < merged.docCount; doc++) mergedDocs.set(pathOf(merged, doc), doc);
    // Every copy still live in the run must be in the merge, or it would be lost: refuse instead.
    for (const seg of job.run) {
      for (let doc = 0; doc < seg.data.docCount; doc++) if (seg.dead[doc] === 0 && !mergedDocs.has(pathOf(seg.data, doc))) return false;
    }
    const inRun = new Set(job.run);
    for (const seg of job.run) {
      for (let doc = 0; doc < seg.data.docCount; doc++) if (seg.dead[doc] === 0) this.count({ seg, doc }, -1);
    }
    const replacement: LiveSegment[] = [];
    if (merged !== null) {
      const seg: LiveSegment = { data: merged, dead: new Uint8Array(merged.docCount), deadDocs: 0, deadChunks: 0 };
      for (const [path, doc] of mergedDocs) {
        const at = this.location.get(path);
        if (at !== undefined && inRun.has(at.seg)) {
          this.location.set(path, { seg, doc });
          this.count({ seg, doc }, 1);
          const stamp = this.stamps.get(path);
          const folded = job.stamps.get(path);
          if (stamp && folded && stamp.size === folded.size && stamp.mtimeMs === folded.mtimeMs) this.stamps.delete(path);
        } else {
          // Masked or replaced while the merge was being built: the merged copy stays masked.
          seg.dead[doc] = 1;
          seg.deadDocs++;
          seg.deadChunks += merged.docChunks[doc] as number;
        }
      }
      replacement.push(seg);
    }
    this.segments = [...this.segments.slice(0, start), ...replacement, ...this.segments.slice(start + job.run.length)];
    return true;
  }

  state(): SegmentIndexState {
    return {
      segments: this.segments.map((seg) => {
        const dead: number[] = [];
        for (let doc = 0; doc < seg.dead.length; doc++) if (seg.dead[doc] === 1) dead.push(doc);
        return { id: seg.data.id, dead };
      }),
      stamps: [...this.stamps.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([path, s]) => [path, s.size, s.mtimeMs]),
    };
  }

  /** Masked copies and stored copies (documents), for compaction decisions and stats. */
  stats(): { segments: number; storedDocs: number; deadDocs: number; stamps: number } {
    let stored = 0;
    let dead = 0;
    for (const seg of this.segments) {
      stored += seg.data.docCount;
      dead += seg.deadDocs;
    }
    return { segments: this.segments.length, storedDocs: stored, deadDocs: dead, stamps: this.stamps.size };
  }

  private maskDoc(seg: LiveSegment, doc: number): void {
    if (seg.dead[doc] === 1) return;
    const at = this.location.get(pathOf(seg.data, doc));
    if (at?.seg === seg && at.doc === doc) this.location.delete(pathOf(seg.data, doc));
    seg.dead[doc] = 1;
    seg.deadDocs++;
    seg.deadChunks += seg.data.docChunks[doc] as number;
    this.count({ seg, doc }, -1);
  }

  /** Adds (+1) or subtracts (−1) a live document's counts and field lengths. */
  private count(ref: DocRef, sign: 1 | -1): void {
    const { data } = ref.seg;
    if (((data.docFlags[ref.doc] as number) & DOC_FLAG_SKIPPED) !== 0) {
      this.skippedFiles += sign;
      return;
    }
    this.liveDocs += sign;
    const first = data.docFirstChunk[ref.doc] as number;
    const n = data.docChunks[ref.doc] as number;
    this.liveChunks += sign * n;
    for (let c = first; c < first + n; c++) {
      for (let f = 0; f < FIELD_COUNT; f++) this.fieldTotals[f] = (this.fieldTotals[f] as number) + sign * (data.fieldLengths[FIELD_COUNT * c + f] as number);
    }
  }
}

/**
 * How the evidence search weighs a query unit. An identifier that is unmistakably code
 * (`virtualPage.define`, `max_sync_interval`, `X-Permission`, a `--flag`, anything in backticks;
 * see QueryUnit.code) is one concept: its whole counts as a full occurrence wherever it appears
 * (the `ids` field's own boost is low so that hyphenated words do not outweigh their spelled-out
 * forms) and its parts, which also match pages that use the words apart, count
 * IDENTIFIER_PART_SCALE. Hyphenated words (`long-term`, `IL-6`, `sync-conflict`) keep plain BM25F:
 * measured on SciFact, weighing them like code costs nDCG@10.
 */
export const IDENTIFIER_PART_SCALE = 0.5;

function weighUnit(unit: QueryUnit): SearchUnit {
  if (unit.code === true && unit.kind === 'identifier') return { terms: unit.terms, atLeast: 1 };
  if (unit.code === true && unit.kind === 'part') return { terms: unit.terms, scale: IDENTIFIER_PART_SCALE };
  return { terms: unit.terms };
}

export function pathOf(data: SegmentData, doc: number): string {
  return stringAt(data.docStrings, 4 * doc);
}

export function titleOf(data: SegmentData, doc: number): string {
  return stringAt(data.docStrings, 4 * doc + 1);
}

export function tagsOf(data: SegmentData, doc: number): string[] {
  return JSON.parse(stringAt(data.docStrings, 4 * doc + 2)) as string[];
}

export function aliasesOf(data: SegmentData, doc: number): string[] {
  return JSON.parse(stringAt(data.docStrings, 4 * doc + 3)) as string[];
}
