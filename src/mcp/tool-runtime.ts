import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { isAppError } from '../core/errors.js';
import type { DocsService } from './service.js';

/** The slice of a pino logger the tools need; pino's `Logger` satisfies it. */
export interface ToolLogger {
  error(obj: Record<string, unknown>, msg: string): void;
}

/** What every tool handler receives from `createMcpServer`. */
export interface ToolContext {
  service: DocsService;
  logger: ToolLogger;
}

/** What a tool computes on success: a short text for the model and the structured result. */
export interface ToolOutcome<T> {
  text: string;
  structured: T;
}

/** Every tool only reads the index; none reaches outside the local docs folder. */
export const READ_ONLY_ANNOTATIONS: ToolAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};

/**
 * Runs one tool call and turns its outcome into a `CallToolResult`.
 *
 * The structured result is parsed with the tool's output schema before it leaves: that
 * drops fields the service added beyond the contract (the advertised JSON schema forbids
 * extra properties, so a client would otherwise reject the whole result) and catches a
 * service that breaks the contract here, with a log line, instead of in the client.
 *
 * Expected failures (`AppError`) become `isError` with the message and hint. Anything else
 * is a bug: it is logged once with its stack, and the model gets a message naming what
 * failed without internals it cannot act on.
 */
export async function runTool<S extends z.ZodType<Record<string, unknown>>>(
  ctx: ToolContext,
  tool: { name: string; activity: string; outputSchema: S },
  work: () => Promise<ToolOutcome<z.input<S>>> | ToolOutcome<z.input<S>>,
): Promise<CallToolResult> {
  try {
    const outcome = await work();
    const structuredContent = tool.outputSchema.parse(outcome.structured);
    return { content: [{ type: 'text', text: outcome.text }], structuredContent };
  } catch (err) {
    if (isAppError(err)) {
      const text = err.hint === undefined ? err.message : `${err.message}\nHint: ${err.hint}`;
      return { isError: true, content: [{ type: 'text', text }] };
    }
    ctx.logger.error({ err, tool: tool.name }, `tool ${tool.name} failed unexpectedly`);
    return {
      isError: true,
      content: [
        {
          type: 'text',
          text:
            `${tool.name} failed while ${tool.activity}: internal error (details are in the server log on stderr).` +
            '\nHint: retry once; if it keeps failing, call index_status and report the log to the server maintainer.',
        },
      ],
    };
  }
}
