// A Verifier backend that sends candidates to a kimina-lean-server (a pool of Lean REPL processes
// behind an HTTP API), for checking at scale away from the user's machine. It speaks the server's
// documented `POST /verify` API:
//   request  {"codes": [{"custom_id": id, "proof": leanText}], "timeout": seconds, "disable_cache": false}
//   response {"results": [{"custom_id": id, "error": string|null, "response": {"env", "messages": [...],
//            "sorries": [...], "time"}}]}
// and `GET /health` → {"status": "ok"}. An API key, when the server has one, goes in
// `Authorization: Bearer KEY`.
//
// The server splits each snippet into a header (its leading `import` and blank lines) and a body,
// runs the header once per REPL and the body on top of it, so message positions count lines from
// the first body line (1-based) and columns in code points (0-based). Each snippet is the user's
// file up to the target declaration, byte-identical, then the candidate, then `#print axioms` of
// it (the same check document the local verifier uses), and the REPL's messages go through the same
// acceptance gate (src/core/gate.ts).
import { buildCheckDocument, judge, precheck, type CheckDocument, type DiagnosticLike } from '../core/gate';
import type { Candidate, ProofTarget, Verdict, Verifier, VerifyRequest } from '../core/types';

export interface KiminaOptions {
  /** Server address, e.g. http://lean-box:8000 (a trailing `/verify` or `/` is dropped). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer KEY` when set. */
  apiKey?: string;
  /** Candidates per `/verify` request; the server checks one request's snippets in parallel. */
  batchSize?: number;
  allowNativeDecide?: boolean;
  /** Extra wall-clock allowance per request beyond the per-candidate limit (network, queueing). */
  slackMs?: number;
  /** Errors reported per verdict. */
  maxFeedbackErrors?: number;
}

interface ReplPos {
  line: number;
  column: number;
}

export interface ReplMessage {
  severity: 'trace' | 'info' | 'warning' | 'error';
  pos: ReplPos;
  endPos?: ReplPos | null;
  data: string;
}

export interface ReplResponse {
  env?: number;
  messages?: ReplMessage[];
  sorries?: { pos: ReplPos; endPos?: ReplPos; goal?: string }[];
  time?: number;
}

export interface KiminaResult {
  custom_id: string;
  error?: string | null;
  response?: ReplResponse | null;
}

/** Leading lines that kimina-lean-server puts in the header: `import ...` lines and blank lines. */
export function kiminaHeaderLines(code: string): number {
  const lines = code.split('\n');
  let n = 0;
  while (n < lines.length) {
    const t = lines[n]!.trim();
    if (t === '' || t.startsWith('import ')) n++;
    else break;
  }
  return n;
}

/**
 * A REPL message as a diagnostic of the checked document: the REPL counts lines from the first
 * body line (1-based) and columns in code points; the gate wants 0-based document lines and UTF-16.
 */
export function replToDiagnostic(doc: CheckDocument, headerLines: number, m: ReplMessage): DiagnosticLike {
  const lines = doc.text.split('\n');
  const convert = (p: ReplPos): { line: number; character: number } => {
    const line = p.line - 1 + headerLines;
    const text = lines[line] ?? '';
    return { line, character: Array.from(text).slice(0, Math.max(0, p.column)).join('').length };
  };
  const start = convert(m.pos);
  const end = m.endPos ? convert(m.endPos) : start;
  const severity = m.severity === 'error' ? 1 : m.severity === 'warning' ? 2 : 3;
  return { range: { start, end }, fullRange: { start, end }, severity, message: m.data };
}

function verdict(kind: Verdict['kind'], reason: string, elapsedMs: number): Verdict {
  return { kind, reason, messages: [], feedback: reason, elapsedMs };
}

/** The verdict for one candidate from the server's result, through the shared acceptance gate. */
export function judgeKiminaResult(
  target: ProofTarget,
  candidate: Candidate,
  doc: CheckDocument,
  result: KiminaResult | undefined,
  options: { allowNativeDecide: boolean; maxFeedbackErrors: number; elapsedMs: number },
): Verdict {
  const elapsedMs = options.elapsedMs;
  if (!result) return verdict('infra-error', 'the kimina server returned no result for this candidate', elapsedMs);
  if (result.error) {
    if (/timed out/i.test(result.error)) return verdict('timeout', `Lean timed out on the kimina server: ${result.error}`, elapsedMs);
    return verdict('infra-error', `the kimina server reported: ${result.error}`, elapsedMs);
  }
  const response = result.response;
  if (!response) return verdict('infra-error', 'the kimina server answered without a REPL response', elapsedMs);
  const headerLines = kiminaHeaderLines(doc.text);
  const diagnostics = (response.messages ?? []).filter((m) => m.severity !== 'trace').map((m) => replToDiagnostic(doc, headerLines, m));
  const elapsed = typeof response.time === 'number' ? Math.round(response.time * 1000) : elapsedMs;
  return judge({ target, candidate, document: doc, version: 0, diagnostics, allowNativeDecide: options.allowNativeDecide, maxFeedbackErrors: options.maxFeedbackErrors, elapsedMs: elapsed });
}

/** `http://host:8000/verify/` → `http://host:8000`. */
export function kiminaBaseUrl(raw: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '').replace(/\/verify$/, '');
  const url = new URL(trimmed);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`kimina server address must start with http:// or https://: ${raw}`);
  return trimmed;
}

export class KiminaVerifier implements Verifier {
  private readonly baseUrl: string;
  private readonly batchSize: number;
  private readonly slackMs: number;

  constructor(private readonly options: KiminaOptions) {
    this.baseUrl = kiminaBaseUrl(options.baseUrl);
    this.batchSize = Math.max(1, options.batchSize ?? 16);
    this.slackMs = options.slackMs ?? 30_000;
  }

  get description(): string {
    return `kimina-lean-server at ${this.baseUrl}`;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.apiKey) h.authorization = `Bearer ${this.options.apiKey}`;
    return h;
  }

  async availability(): Promise<{ ok: true; description: string } | { ok: false; reason: string }> {
    try {
      const res = await fetch(`${this.baseUrl}/health`, { headers: this.headers(), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) return { ok: false, reason: `the kimina server at ${this.baseUrl} answered /health with HTTP ${res.status}` };
      const body = (await res.json().catch(() => undefined)) as { status?: string } | undefined;
      if (body?.status !== 'ok') return { ok: false, reason: `the kimina server at ${this.baseUrl} is not healthy (${JSON.stringify(body)})` };
      return { ok: true, description: this.description };
    } catch (err) {
      return { ok: false, reason: `cannot reach the kimina server at ${this.baseUrl}: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  async verify(request: VerifyRequest, signal?: AbortSignal): Promise<Map<string, Verdict>> {
    const out = new Map<string, Verdict>();
    const opts = {
      allowNativeDecide: this.options.allowNativeDecide ?? false,
      maxFeedbackErrors: this.options.maxFeedbackErrors ?? 8,
    };
    const toSend: { candidate: Candidate; doc: CheckDocument }[] = [];
    for (const candidate of request.candidates) {
      const refused = precheck(request.target, candidate, opts);
      if (refused) {
        out.set(candidate.id, refused);
        continue;
      }
      toSend.push({ candidate, doc: buildCheckDocument(request.target, candidate) });
    }
    for (let i = 0; i < toSend.length; i += this.batchSize) {
      signal?.throwIfAborted();
      const batch = toSend.slice(i, i + this.batchSize);
      const started = Date.now();
      const timeoutSeconds = Math.max(1, Math.ceil(request.timeoutMs / 1000));
      let results: KiminaResult[];
      try {
        results = await this.post(batch.map(({ candidate, doc }) => ({ custom_id: candidate.id, proof: doc.text })), timeoutSeconds, request.timeoutMs + this.slackMs, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        for (const { candidate } of batch) out.set(candidate.id, verdict('infra-error', reason, Date.now() - started));
        continue;
      }
      const byId = new Map(results.map((r) => [String(r.custom_id), r]));
      const elapsedMs = Date.now() - started;
      for (const { candidate, doc } of batch) {
        out.set(candidate.id, judgeKiminaResult(request.target, candidate, doc, byId.get(candidate.id), { ...opts, elapsedMs }));
      }
    }
    return out;
  }

  private async post(codes: { custom_id: string; proof: string }[], timeoutSeconds: number, wallMs: number, signal?: AbortSignal): Promise<KiminaResult[]> {
    const timeout = AbortSignal.timeout(wallMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const body = JSON.stringify({ codes, timeout: timeoutSeconds, disable_cache: false });
    // A busy server answers 429 (no free REPL): wait and try again a few times.
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.baseUrl}/verify`, { method: 'POST', headers: this.headers(), body, signal: combined });
      } catch (err) {
        if (timeout.aborted && !signal?.aborted) throw new Error(`the kimina server did not answer within ${Math.round(wallMs / 1000)} s`);
        throw new Error(`cannot reach the kimina server at ${this.baseUrl}: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (res.status === 429 && attempt < 3) {
        await res.arrayBuffer().catch(() => undefined);
        await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        throw new Error(`the kimina server at ${this.baseUrl} refused the API key (HTTP ${res.status}); set OPROVER_KIMINA_API_KEY`);
      }
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        throw new Error(`the kimina server answered HTTP ${res.status}: ${text.slice(0, 300)}`);
      }
      const parsed = (await res.json()) as { results?: KiminaResult[] };
      if (!parsed || !Array.isArray(parsed.results)) throw new Error('the kimina server answered without a `results` list');
      return parsed.results;
    }
  }

  async dispose(): Promise<void> {
    // Stateless over HTTP: nothing to close.
  }
}
