import type { Logger } from '../app/logger.js';
import { pullCommandFor } from '../app/application.js';
import type { Config } from '../config/types.js';
import { AppError } from '../core/errors.js';
import { modelDir, modelFileList } from '../embed/model-files.js';
import { readInstalledModel } from '../embed/model-store.js';
import { EmbedderRuntime, transformersWorkerInit } from '../embed/runtime.js';
import { describeModel } from '../embed/vector-space.js';
import { openWorkerEmbedder } from '../embed/worker-embedder.js';

/** `models pull` and `models status`: the transformers model cache, outside any server. */
export async function runModels(config: Config, logger: Logger, action: 'pull' | 'status', opts: { force: boolean; json: boolean }): Promise<void> {
  const c = config.embedder;
  const dir = c.provider === 'transformers' ? modelDir(c.modelCacheDir, c.model, c.revision) : null;
  if (action === 'status') {
    const installed = dir === null ? null : await readInstalledModel(dir, modelFileList(c.dtype));
    const info = {
      provider: c.provider,
      model: describeModel(c),
      model_dir: dir,
      installed: installed !== null,
      files: installed?.files.map((f) => ({ name: f.name, size: f.size })) ?? [],
      hub_url: c.provider === 'transformers' ? c.hubUrl : null,
      offline: c.offline,
      auto_download: c.autoDownload,
    };
    if (opts.json) return void process.stdout.write(JSON.stringify(info, null, 2) + '\n');
    const lines = [`embedder:  ${info.model}`];
    if (dir !== null) {
      const mb = (installed?.files ?? []).reduce((n, f) => n + f.size, 0) / 1_048_576;
      lines.push(`model dir: ${dir}`, `installed: ${installed ? `yes (${installed.files.length} files, ${mb.toFixed(1)} MB)` : `no: run \`${pullCommandFor(config)}\``}`);
      lines.push(`hub:       ${c.hubUrl}${c.offline ? ' (offline: downloads are off)' : ''}`);
    } else lines.push('nothing to download for this provider');
    return void process.stdout.write(lines.join('\n') + '\n');
  }

  if (c.provider !== 'transformers' || dir === null) {
    throw new AppError('INVALID_ARGUMENT', `embedder.provider is "${c.provider}": only the transformers provider downloads a model`, {
      hint: 'set embedder.provider = "transformers" in the config file (it is the default)',
    });
  }
  if (c.offline) {
    throw new AppError('INVALID_ARGUMENT', 'downloads are off (embedder.offline = true or HF_HUB_OFFLINE=1)', {
      hint: 'unset them for this command, e.g. HF_HUB_OFFLINE=0 mcp-markdown-ragdocs models pull',
    });
  }
  const runtime = new EmbedderRuntime({ config: c, logger, env: process.env, pullCommand: pullCommandFor(config) });
  const tty = process.stderr.isTTY === true;
  let lastFile = '';
  process.stderr.write(`downloading ${c.model} (revision ${c.revision}, ${c.dtype}) from ${c.hubUrl} into ${dir}\n`);
  try {
    const result = await runtime.pull({
      force: opts.force,
      onProgress: (line) => {
        const file = line.split(':')[0] ?? '';
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (file !== lastFile) process.stderr.write(`${line}\n`);
        lastFile = file;
      },
    });
    if (tty) process.stderr.write('\r\x1b[2K');
    process.stderr.write(result.downloaded ? `downloaded ${(result.bytes / 1_048_576).toFixed(1)} MB\n` : 'already in the cache; nothing downloaded (use --force to download again)\n');
  } finally {
    await runtime.close();
  }
  // Load it once, the way the server will: a model that downloads but cannot run is caught here.
  const embedder = await openWorkerEmbedder(transformersWorkerInit(c, c.model));
  process.stderr.write(`model ready: ${c.model}, ${embedder.dimension} dimensions\n`);
  await embedder.close();
}
