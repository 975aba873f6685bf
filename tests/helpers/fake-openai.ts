/**
 * A local OpenAI-compatible `/v1/embeddings` for end-to-end tests. Its vectors are a bag of
 * words over TINY_MODEL_GROUPS (one axis per group, a small constant on the last axis so no
 * vector is zero), so a paraphrase embeds like the text it paraphrases, as with a real model.
 */
import { createServer } from 'node:http';
import { listenLocal } from './local-http.js';
import { TINY_MODEL_GROUPS } from './tiny-model.js';

export interface FakeOpenAiOptions {
  /** Only `Authorization: Bearer <requiredKey>` is accepted; anything else gets 401. */
  requiredKey: string;
  /** Default 16 (groups + 1 at least). */
  dimension?: number;
}

export interface FakeOpenAi {
  /** Base URL ending in `/v1`, for `embedder.base_url`. */
  baseUrl: string;
  /** The Authorization header of every request, in arrival order (`''` when absent). */
  authorizations: string[];
  /** Texts embedded successfully, summed over all requests. */
  textsEmbedded(): number;
  close(): Promise<void>;
}

/** The fake's vector of `text`: counts per word group, normalised. */
export function bagOfGroupsVector(text: string, dimension: number): number[] {
  const v = new Array<number>(dimension).fill(0);
  v[dimension - 1] = 0.01;
  for (const word of text.toLowerCase().split(/[^a-z0-9]+/)) {
    const group = TINY_MODEL_GROUPS.findIndex((g) => g.includes(word));
    if (group >= 0) v[group] = (v[group] ?? 0) + 1;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
}

/** Starts the fake on 127.0.0.1 with a free port. */
export async function startFakeOpenAi(options: FakeOpenAiOptions): Promise<FakeOpenAi> {
  const dimension = options.dimension ?? 16;
  const authorizations: string[] = [];
  let embedded = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      authorizations.push(auth);
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if ((req.url ?? '').split('?')[0] !== '/v1/embeddings' || req.method !== 'POST') return send(404, { error: 'not found' });
      if (auth !== `Bearer ${options.requiredKey}`) {
        // Real servers echo the key they got; the client must not pass that on.
        return send(401, { error: { message: `Incorrect API key provided: ${auth || 'none'}`, type: 'invalid_request_error' } });
      }
      let input: string[];
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { input: string[] | string };
        input = Array.isArray(body.input) ? body.input : [body.input];
      } catch {
        return send(400, { error: 'body is not JSON' });
      }
      embedded += input.length;
      send(200, {
        object: 'list',
        model: 'fake-embed',
        data: input.map((text, index) => ({ object: 'embedding', index, embedding: bagOfGroupsVector(text, dimension) })),
      });
    });
  });
  const listener = await listenLocal(server);
  return {
    baseUrl: `${listener.url}/v1`,
    authorizations,
    textsEmbedded: () => embedded,
    close: listener.close,
  };
}
