/**
 * Settings and small document helpers of the keyword index (no lunr here; see keyword.ts).
 */
import { AppError } from '../core/errors.js';
import type { KeywordIndexParams } from './keyword.js';
import type { MergePolicy } from './keyword-tiers.js';

/** Resolved BM25 parameters and field boosts. */
export interface Settings {
  k1: number;
  b: number;
  titleBoost: number;
  headingBoost: number;
  bodyBoost: number;
}

/** Params → settings with defaults; throws INVALID_ARGUMENT for values BM25 cannot use. */
export function resolveSettings(params: KeywordIndexParams): Settings {
  const settings = {
    k1: params.k1 ?? 1.2,
    b: params.b ?? 0.75,
    titleBoost: params.titleBoost ?? 6,
    headingBoost: params.headingBoost ?? 2,
    bodyBoost: params.bodyBoost ?? 1,
  };
  for (const [key, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new AppError('INVALID_ARGUMENT', `keyword index setting ${key}=${value} must be a finite number >= 0`, {
        hint: 'fix the [search] section of the config file',
      });
    }
  }
  if (settings.b > 1) {
    throw new AppError('INVALID_ARGUMENT', `keyword index setting b=${settings.b} must be between 0 and 1`, {
      hint: 'set search.bm25_b to a value in [0, 1] (default 0.75)',
    });
  }
  return settings;
}

export function resolvePolicy(params: KeywordIndexParams): MergePolicy {
  return {
    factor: Math.max(2, Math.floor(params.mergeFactor ?? 8)),
    minDocs: Math.max(1, params.minSegmentDocs ?? 16),
    maxDeadRatio: params.maxDeadRatio ?? 0.5,
  };
}
