// The Model port over the `openai` package, for OpenAI-compatible servers (vLLM, SGLang):
// streaming with `n` (or parallel requests where a server refuses `n`), retries with backoff and
// jitter that honour Retry-After, clear errors for what the user must fix, and requests spread over
// several endpoints. The API key is passed in by the caller and never logged.
import OpenAI from 'openai';
import type { EndpointConfig, OProverConfig } from '../config';
import { ActionableError, type Completion, type GenerateOptions, type GenerateRequest, type Model } from '../core/types';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;

export interface EndpointModelOptions {
  endpoints: EndpointConfig[];
  apiKey?: string;
  config: Pick<OProverConfig, 'requestTimeoutMs' | 'maxRetries'>;
  log?: LogFn;
  /** Seconds an endpoint is left out after it failed (default 30). */
  cooldownMs?: number;
  /** Base of the exponential backoff (default 500 ms); tests make it small. */
  backoffBaseMs?: number;
}

interface EndpointState {
  config: EndpointConfig;
  client: OpenAI;
  inFlight: number;
  unhealthyUntil: number;
  /** Learned: the server refused `n` > 1, so samples go out as parallel requests. */
  noN: boolean;
  /** The model name in use (configured, or the one the server lists when none is configured). */
  model?: string;
}

/** Errors worth another try: rate limits, server errors, dropped connections, cut streams, timeouts. */
class RetryableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * vLLM and SGLang answer errors as a top-level `{object: "error", message}`, which the SDK does not
 * read (it expects `{error: {...}}`); rewrap such bodies so the message reaches our classification.
 */
export const errorBodyFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (res.ok) return res;
  const text = await res.text();
  let body = text;
  try {
    const parsed = JSON.parse(text) as Record<string, unknown> | null;
    if (parsed && typeof parsed === 'object' && !('error' in parsed) && 'message' in parsed) body = JSON.stringify({ error: parsed });
  } catch {
    // not JSON: the SDK reports the text as is
  }
  return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
};

function openaiClient(baseURL: string, apiKey: string | undefined, timeout: number): OpenAI {
  // The SDK's own retries are off: ours honour Retry-After and move to another endpoint.
  return new OpenAI({ baseURL, apiKey: apiKey || 'none', maxRetries: 0, timeout, fetch: errorBodyFetch, dangerouslyAllowBrowser: true });
}

const hostOf = (url: string): string => {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
};

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const t = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export class EndpointModel implements Model {
  private readonly endpoints: EndpointState[];
  private readonly log: LogFn;
  private readonly cooldownMs: number;
  private readonly backoffBaseMs: number;

  constructor(private readonly options: EndpointModelOptions) {
    if (options.endpoints.length === 0) throw new ActionableError('no inference endpoint is configured: set oprover.endpoint', 'no-endpoint');
    this.log = options.log ?? (() => {});
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.endpoints = options.endpoints.map((config) => ({
      config,
      client: openaiClient(config.baseUrl, options.apiKey, options.config.requestTimeoutMs),
      inFlight: 0,
      unhealthyUntil: 0,
      noN: false,
      model: config.model || undefined,
    }));
  }

  get description(): string {
    return this.endpoints.map((e) => `${e.model ?? '(first served model)'} @ ${hostOf(e.config.baseUrl)}`).join(', ');
  }

  /**
   * Least in-flight among healthy endpoints; when all are cooling down, the one that recovers first.
   * With `prefer`, only the healthy ones it accepts, when there are any.
   */
  private pick(exclude?: EndpointState, prefer?: (e: EndpointState) => boolean): EndpointState {
    const now = Date.now();
    const candidates = this.endpoints.filter((e) => e !== exclude || this.endpoints.length === 1);
    const healthy = candidates.filter((e) => e.unhealthyUntil <= now);
    let pool = healthy.length > 0 ? healthy : [...candidates].sort((a, b) => a.unhealthyUntil - b.unhealthyUntil).slice(0, 1);
    const preferred = prefer ? pool.filter(prefer) : [];
    if (preferred.length > 0) pool = preferred;
    return pool.reduce((best, e) => (e.inFlight < best.inFlight ? e : best));
  }

  async generate(request: GenerateRequest, options: GenerateOptions = {}): Promise<Completion[]> {
    // n samples in one request where an endpoint takes `n`; parallel single samples otherwise.
    const endpoint = this.pick(undefined, (e) => !e.noN);
    if (endpoint.noN || request.n <= 1) return this.parallel(request, options);
    try {
      return await this.withRetries(request.n, 0, request, options, endpoint);
    } catch (err) {
      if (err instanceof NUnsupported) {
        // The endpoint that refused (a retry may have moved on from the one picked here).
        err.endpoint.noN = true;
        this.log('info', `${hostOf(err.endpoint.config.baseUrl)} refused n=${request.n}; sending ${request.n} parallel requests instead`);
        return this.parallel(request, options);
      }
      throw err;
    }
  }

  /** n samples as n requests of one sample each, spread over the endpoints. */
  private async parallel(request: GenerateRequest, options: GenerateOptions): Promise<Completion[]> {
    const results = await Promise.all(Array.from({ length: request.n }, (_, i) => this.withRetries(1, i, request, options)));
    return results.flat();
  }

  private async withRetries(n: number, sampleOffset: number, request: GenerateRequest, options: GenerateOptions, first?: EndpointState): Promise<Completion[]> {
    const maxRetries = this.options.config.maxRetries;
    let last: Error | undefined;
    let endpoint = first ?? this.pick();
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      options.signal?.throwIfAborted();
      try {
        return await this.once(endpoint, n, sampleOffset, request, options);
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason ?? err;
        if (!(err instanceof RetryableError)) throw err;
        last = err;
        endpoint.unhealthyUntil = Date.now() + this.cooldownMs;
        if (attempt === maxRetries) break;
        const backoff = err.retryAfterMs ?? this.backoffBaseMs * 2 ** attempt * (0.5 + Math.random());
        this.log('warn', `${hostOf(endpoint.config.baseUrl)}: ${err.message}; retry ${attempt + 1} of ${maxRetries} in ${Math.round(backoff)} ms`);
        await sleep(Math.min(backoff, 60_000), options.signal);
        endpoint = this.pick(endpoint);
      }
    }
    const where = this.endpoints.map((e) => e.config.baseUrl).join(', ');
    throw new ActionableError(`endpoint unreachable or failing at ${where} after ${maxRetries + 1} attempts (${last?.message}): run OProver: Test Connection`, 'unreachable');
  }

  private async resolveModel(endpoint: EndpointState, signal?: AbortSignal): Promise<string> {
    if (endpoint.model) return endpoint.model;
    const models = await listModels(endpoint.client, signal);
    if (models.length === 0) throw new ActionableError(`${endpoint.config.baseUrl} serves no model: set oprover.model`, 'model-not-found');
    endpoint.model = models[0];
    this.log('info', `no model configured; using ${endpoint.model}, the first served at ${hostOf(endpoint.config.baseUrl)}`);
    return endpoint.model;
  }

  private async once(endpoint: EndpointState, n: number, sampleOffset: number, request: GenerateRequest, options: GenerateOptions): Promise<Completion[]> {
    // One controller for the caller's cancel and our own wall-clock limit: either aborts the HTTP request.
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, this.options.config.requestTimeoutMs);
    endpoint.inFlight++;
    const texts = Array.from({ length: n }, () => '');
    // vLLM and SGLang with a reasoning parser send the reasoning apart from the answer.
    const reasonings = Array.from({ length: n }, () => '');
    const finish: (string | undefined)[] = Array.from({ length: n }, () => undefined);
    let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
    try {
      const model = await this.resolveModel(endpoint, controller.signal);
      const stream = await endpoint.client.chat.completions.create(
        {
          model,
          messages: request.messages,
          n,
          temperature: request.temperature,
          top_p: request.topP,
          max_tokens: request.maxTokens,
          stream: true,
          stream_options: { include_usage: true },
        },
        { signal: controller.signal },
      );
      for await (const chunk of stream) {
        if (chunk.usage) usage = chunk.usage;
        for (const choice of chunk.choices ?? []) {
          const i = choice.index ?? 0;
          if (i < 0 || i >= n) continue;
          const delta = choice.delta?.content ?? '';
          const reasoning = reasoningDelta(choice.delta);
          if (reasoning) reasonings[i] += reasoning;
          if (delta) {
            texts[i] += delta;
            options.onDelta?.(sampleOffset + i, delta);
          }
          if (choice.finish_reason) finish[i] = choice.finish_reason;
        }
      }
      const missing = finish.filter((f) => f === undefined).length;
      if (missing === n) throw new RetryableError('the stream ended before any sample finished (stream cut)');
      if (missing > 0) this.log('warn', `${missing} of ${n} samples ended without a finish reason (stream cut); using the others`);
      const perSample = usage?.completion_tokens !== undefined ? Math.round(usage.completion_tokens / n) : undefined;
      return texts
        .map((text, i) => ({ text, finishReason: finish[i] ?? 'cut', promptTokens: usage?.prompt_tokens, completionTokens: perSample, ...(reasonings[i] ? { reasoning: reasonings[i] } : {}) }))
        .filter((c) => c.finishReason !== 'cut' || missing === 0);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (timedOut) throw new RetryableError(`no complete answer within ${this.options.config.requestTimeoutMs} ms (oprover.requestTimeoutMs)`);
      throw await this.classify(err, endpoint);
    } finally {
      clearTimeout(timer);
      endpoint.inFlight--;
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Turns SDK and network errors into retryable ones or ActionableErrors that say what to fix. */
  private async classify(err: unknown, endpoint: EndpointState): Promise<Error> {
    const where = endpoint.config.baseUrl;
    if (err instanceof RetryableError || err instanceof ActionableError) return err;
    if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
      const message = String((err.error as { message?: string } | undefined)?.message ?? err.message);
      const status = err.status;
      if (status === 429 || status >= 500) {
        const retryAfter = parseRetryAfter((err.headers as Headers | undefined)?.get?.('retry-after'));
        return new RetryableError(`HTTP ${status}: ${message.slice(0, 200)}`, retryAfter);
      }
      if (status === 401 || status === 403) return new ActionableError(`the endpoint at ${where} rejected the API key (HTTP ${status}): run OProver: Set API Key`, 'auth');
      if (status === 404 && /model/i.test(message)) {
        let available = '';
        try {
          available = (await listModels(endpoint.client)).join(', ');
        } catch {
          available = '(could not list models)';
        }
        return new ActionableError(`the model "${endpoint.model}" is not served at ${where}; available: ${available || 'none'}. Set oprover.model to one of them`, 'model-not-found');
      }
      if (/maximum context length|context length|too many tokens|prompt is too long/i.test(message)) {
        return new ActionableError(`the prompt exceeds the model's context length at ${where}: ${message.slice(0, 400)}`, 'context-length');
      }
      if (status === 400 && /\bn\b.*(not supported|only|must)|n > 1|n>1/i.test(message)) return new NUnsupported(message, endpoint);
      return new ActionableError(`the endpoint at ${where} refused the request (HTTP ${status}): ${message.slice(0, 300)}`, 'bad-request');
    }
    if (err instanceof SyntaxError || /JSON|Unexpected token|could not parse/i.test(String((err as Error)?.message))) {
      return new RetryableError(`malformed reply from ${where}: ${(err as Error).message.slice(0, 120)}`);
    }
    // Connection refused, reset, DNS: the SDK's APIConnectionError and plain network errors.
    return new RetryableError(`cannot reach ${where}: ${(err as Error)?.message ?? String(err)}`);
  }
}

/**
 * The reasoning text of a streamed delta: `reasoning` (vLLM's current field name) or
 * `reasoning_content` (older vLLM and SGLang), which the SDK's types do not know.
 */
export function reasoningDelta(delta: unknown): string {
  if (!delta || typeof delta !== 'object') return '';
  const d = delta as { reasoning?: unknown; reasoning_content?: unknown };
  const value = typeof d.reasoning === 'string' ? d.reasoning : d.reasoning_content;
  return typeof value === 'string' ? value : '';
}

class NUnsupported extends Error {
  constructor(
    message: string,
    readonly endpoint: EndpointState,
  ) {
    super(message);
  }
}

async function listModels(client: OpenAI, signal?: AbortSignal): Promise<string[]> {
  const ids: string[] = [];
  for await (const m of client.models.list({ signal })) ids.push(m.id);
  return ids;
}

export interface ConnectionReport {
  ok: boolean;
  latencyMs: number;
  models: string[];
  message: string;
}

/** For "OProver: Test Connection": reachability, served models, latency, and whether the model is among them. */
export async function testConnection(endpoint: EndpointConfig, apiKey?: string, timeoutMs = 10_000): Promise<ConnectionReport> {
  const client = openaiClient(endpoint.baseUrl, apiKey, timeoutMs);
  const started = Date.now();
  try {
    const models = await listModels(client, AbortSignal.timeout(timeoutMs));
    const latencyMs = Date.now() - started;
    if (endpoint.model && !models.includes(endpoint.model)) {
      return { ok: false, latencyMs, models, message: `reachable in ${latencyMs} ms, but the model "${endpoint.model}" is not served; available: ${models.join(', ') || 'none'}` };
    }
    return { ok: true, latencyMs, models, message: `reachable in ${latencyMs} ms; models: ${models.join(', ') || 'none'}` };
  } catch (err) {
    const latencyMs = Date.now() - started;
    if (err instanceof OpenAI.APIError && (err.status === 401 || err.status === 403)) {
      return { ok: false, latencyMs, models: [], message: `the endpoint rejected the API key (HTTP ${err.status}): run OProver: Set API Key` };
    }
    return { ok: false, latencyMs, models: [], message: `endpoint unreachable at ${endpoint.baseUrl}: ${(err as Error).message}` };
  }
}
