/**
 * A tiny, real, loadable embedding model in Hugging Face hub layout, for tests that run
 * transformers.js without the network. The ONNX graph is a single Gather: every token id looks
 * up a row of a static table, so the model "understands" exactly the word groups below: each
 * group owns one axis, and every word of it maps to that axis. With mean pooling and
 * normalisation, "how do I get my login back?" and "Account recovery" then embed (almost) the
 * same while sharing no word, and texts from different groups are (almost) orthogonal.
 */
import onnxPkg from 'onnx-proto';

const { onnx } = onnxPkg;

/** Word groups; group i owns axis i. Exported so tests can pick words of one concept. */
export const TINY_MODEL_GROUPS: readonly (readonly string[])[] = [
  ['login', 'password', 'account', 'recovery', 'recover', 'reset', 'credentials', 'sign', 'back', 'forgot'],
  ['database', 'pool', 'connection', 'connections', 'sql', 'postgres', 'query', 'queries'],
  ['deploy', 'deployment', 'release', 'ship', 'production', 'rollout', 'staging'],
  ['cache', 'caching', 'redis', 'invalidate', 'invalidation', 'ttl'],
  ['test', 'tests', 'testing', 'unit', 'integration', 'ci'],
  ['log', 'logs', 'logging', 'trace', 'tracing', 'metrics', 'monitoring'],
  ['install', 'installation', 'setup', 'npm', 'dependency', 'dependencies'],
  ['error', 'errors', 'exception', 'crash', 'failure', 'bug'],
  ['search', 'index', 'indexing', 'embedding', 'embeddings', 'vector', 'keyword'],
  ['config', 'configuration', 'settings', 'option', 'options', 'toml'],
];

/**
 * Words that carry no meaning here: they embed to zero, so "how do I get my login back?" is
 * about logins only. Punctuation is split off by the BERT pre-tokenizer and listed too.
 */
export const TINY_MODEL_STOPWORDS: readonly string[] = [
  'a', 'an', 'the', 'how', 'do', 'does', 'i', 'my', 'me', 'get', 'to', 'of', 'in', 'on', 'for', 'is', 'it', 'and',
  'or', 'with', 'what', 'why', 'can', 'you', 'your', 'we', 'our', 'this', 'that', 'be', 'are',
  '?', '.', ',', '!', ':', ';', '-', '(', ')', "'", '"',
];

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;
/**
 * [CLS]/[SEP] get a tiny bias on the unknown axis (not zeros): a text of stopwords only would
 * otherwise mean-pool to the zero vector, and normalising that gives NaN.
 */
const SPECIAL_BIAS = 0.01;

export interface TinyModelOptions {
  /** Embedding dimension, at least groups + 1 (the last axis is "unknown word"); default 16. */
  dimension?: number;
}

/** The model's files by hub-relative name: config, tokenizer, and the same ONNX bytes as fp32 and q8. */
export function buildTinyModel(options: TinyModelOptions = {}): Map<string, Buffer> {
  const dimension = options.dimension ?? 16;
  if (dimension < TINY_MODEL_GROUPS.length + 1) {
    throw new Error(`tiny model dimension ${dimension} is below ${TINY_MODEL_GROUPS.length + 1} (groups + unknown axis)`);
  }
  const vocab = buildVocab();
  const onnxBytes = buildOnnx(buildTable(vocab, dimension), vocab.size, dimension);
  const json = (value: unknown): Buffer => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
  return new Map([
    ['config.json', json({ model_type: 'bert', hidden_size: dimension, architectures: ['BertModel'] })],
    ['tokenizer.json', json(buildTokenizerJson(vocab))],
    [
      'tokenizer_config.json',
      json({
        tokenizer_class: 'BertTokenizer',
        do_lower_case: true,
        model_max_length: 512,
        cls_token: '[CLS]',
        pad_token: '[PAD]',
        unk_token: '[UNK]',
        sep_token: '[SEP]',
      }),
    ],
    ['onnx/model_quantized.onnx', onnxBytes],
    ['onnx/model.onnx', onnxBytes],
  ]);
}

function buildVocab(): Map<string, number> {
  const vocab = new Map<string, number>();
  for (const token of [...SPECIAL_TOKENS, ...TINY_MODEL_GROUPS.flat(), ...TINY_MODEL_STOPWORDS]) {
    // A word in two lists would silently belong to one of them only.
    if (vocab.has(token)) throw new Error(`tiny model word "${token}" is listed twice`);
    vocab.set(token, vocab.size);
  }
  return vocab;
}

/** Row per token id: one-hot on its group's axis; unknown on the last axis; stopwords and [PAD] zero. */
function buildTable(vocab: Map<string, number>, dimension: number): Float32Array {
  const table = new Float32Array(vocab.size * dimension);
  const unknownAxis = dimension - 1;
  TINY_MODEL_GROUPS.forEach((words, axis) => {
    for (const word of words) table[(vocab.get(word) ?? 0) * dimension + axis] = 1;
  });
  table[(vocab.get('[UNK]') ?? 0) * dimension + unknownAxis] = 1;
  for (const special of ['[CLS]', '[SEP]']) table[(vocab.get(special) ?? 0) * dimension + unknownAxis] = SPECIAL_BIAS;
  return table;
}

function buildOnnx(table: Float32Array, vocabSize: number, dimension: number): Buffer {
  const tokenInput = (name: string): onnxPkg.onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: 7, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }] } } },
  });
  const graph: onnxPkg.onnx.IGraphProto = {
    name: 'tiny-static-embedding',
    input: [tokenInput('input_ids'), tokenInput('attention_mask')],
    output: [
      {
        name: 'last_hidden_state',
        type: {
          tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimParam: 'seq' }, { dimValue: dimension }] } },
        },
      },
    ],
    initializer: [
      {
        name: 'table',
        dataType: 1,
        dims: [vocabSize, dimension],
        rawData: new Uint8Array(table.buffer, table.byteOffset, table.byteLength),
      },
    ],
    node: [{ opType: 'Gather', input: ['table', 'input_ids'], output: ['last_hidden_state'], name: 'lookup' }],
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'ragdocs-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

function buildTokenizerJson(vocab: Map<string, number>): unknown {
  const id = (token: string): number => vocab.get(token) ?? 1;
  const special = (token: string) => ({ SpecialToken: { id: token, type_id: 0 } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((token) => ({
      id: id(token),
      content: token,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), { Sequence: { id: 'A', type_id: 0 } }, special('[SEP]')],
      pair: [
        special('[CLS]'),
        { Sequence: { id: 'A', type_id: 0 } },
        special('[SEP]'),
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((token) => [token, { id: token, ids: [id(token)], tokens: [token] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab),
    },
  };
}
