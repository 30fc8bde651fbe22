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
// it; the verdict applies the same acceptance rules as the local verifier to the REPL's messages.
import { screenCandidate } from '../core/screen';
import { codeTokens, normalizeStatement } from '../core/source';
import type { Candidate, LeanMessage, ProofTarget, Range, Severity, Verdict, Verifier, VerifyRequest } from '../core/types';

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

/** The axioms every Lean proof may use; `Lean.ofReduceBool` only when native_decide is allowed. */
export const STANDARD_AXIOMS = ['propext', 'Classical.choice', 'Quot.sound'];
const NATIVE_AXIOMS = ['Lean.ofReduceBool', 'Lean.trustCompiler'];

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

/** What is sent for one candidate, and where the candidate lies inside it. */
export interface KiminaSnippet {
  code: string;
  /** 0-based line of the snippet where the candidate declaration starts. */
  candidateLine: number;
  /** Lines of the candidate declaration. */
  candidateLines: number;
  /** 0-based line of the `#print axioms` command. */
  axiomsLine: number;
  /** Lines of the snippet the server treats as its header (leading imports and blank lines). */
  headerLines: number;
  /** The name `#print axioms` asks about. */
  checkedName: string;
}

/** Name given to an `example` so its axioms can be printed; it never reaches the user's file. */
export const EXAMPLE_CHECK_NAME = 'oprover_checked_example';

function lineCount(text: string): number {
  return text.split('\n').length;
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
 * The declaration as it will be checked: for an `example`, the keyword becomes a theorem with a
 * fixed name so `#print axioms` can name it (binders and type stay byte-identical).
 */
function checkedDeclaration(target: ProofTarget, candidate: Candidate): { text: string; name: string } {
  const decl = target.declaration;
  if (decl.kind === 'example' || decl.name === undefined) {
    const keyword = codeTokens(candidate.declarationText).find((t) => t.kind === 'ident' && (t.text === 'example' || t.text === 'instance'));
    if (keyword && keyword.text === 'example') {
      const text = candidate.declarationText.slice(0, keyword.start) + `theorem ${EXAMPLE_CHECK_NAME}` + candidate.declarationText.slice(keyword.end);
      return { text, name: EXAMPLE_CHECK_NAME };
    }
  }
  return { text: candidate.declarationText, name: decl.name ?? EXAMPLE_CHECK_NAME };
}

export function kiminaSnippet(target: ProofTarget, candidate: Candidate): KiminaSnippet {
  let prefix = target.text.slice(0, target.declaration.start);
  if (prefix !== '' && !prefix.endsWith('\n')) prefix += '\n';
  const { text, name } = checkedDeclaration(target, candidate);
  const candidateLine = prefix === '' ? 0 : lineCount(prefix) - 1;
  const candidateLines = lineCount(text);
  const code = `${prefix}${text}\n\n#print axioms ${name}\n`;
  return {
    code,
    candidateLine,
    candidateLines,
    axiomsLine: candidateLine + candidateLines + 1,
    headerLines: kiminaHeaderLines(code),
    checkedName: name,
  };
}

/** Converts a REPL position (body-relative, 1-based line, code-point column) to a 0-based snippet line and UTF-16 column. */
function snippetPosition(snippet: KiminaSnippet, lines: string[], pos: ReplPos): { line: number; character: number } {
  const line = pos.line - 1 + snippet.headerLines;
  const text = lines[line] ?? '';
  const character = Array.from(text).slice(0, Math.max(0, pos.column)).join('').length;
  return { line, character };
}

function severityOf(s: ReplMessage['severity']): Severity {
  switch (s) {
    case 'error':
      return 'error';
    case 'warning':
      return 'warning';
    default:
      return 'information';
  }
}

const USES_SORRY = /declaration uses ['`]sorry['`]/;
const AXIOMS_LIST = /depends on axioms:\s*\[([^\]]*)\]/;
const NO_AXIOMS = /does not depend on any axioms/;

function verdict(kind: Verdict['kind'], reason: string, extra: Partial<Verdict> = {}, elapsedMs = 0): Verdict {
  return { kind, reason, messages: [], feedback: kind === 'proved' ? '' : reason, elapsedMs, ...extra };
}

/**
 * The acceptance rules applied to one REPL answer: no error in the candidate, no `sorry`, axioms
 * within the standard ones, and the statement the user's. Messages outside the candidate (the
 * user's earlier declarations) do not count against it, except an error that stops elaboration.
 */
export function judgeKiminaResult(
  target: ProofTarget,
  candidate: Candidate,
  snippet: KiminaSnippet,
  result: KiminaResult | undefined,
  options: { allowNativeDecide: boolean; maxFeedbackErrors: number; elapsedMs: number },
): Verdict {
  const elapsedMs = options.elapsedMs;
  if (!result) return verdict('infra-error', 'the kimina server returned no result for this candidate', {}, elapsedMs);
  if (result.error) {
    if (/timed out/i.test(result.error)) return verdict('timeout', `Lean timed out: ${result.error}`, {}, elapsedMs);
    return verdict('infra-error', `the kimina server reported: ${result.error}`, {}, elapsedMs);
  }
  const response = result.response;
  if (!response) return verdict('infra-error', 'the kimina server answered without a REPL response', {}, elapsedMs);
  const elapsed = typeof response.time === 'number' ? Math.round(response.time * 1000) : elapsedMs;

  const lines = snippet.code.split('\n');
  const first = snippet.candidateLine;
  const last = snippet.candidateLine + snippet.candidateLines - 1;
  const candidateLines = lines.slice(first, last + 1);
  const own: LeanMessage[] = [];
  const axiomTexts: string[] = [];
  let earlierError: string | undefined;
  for (const m of response.messages ?? []) {
    const start = snippetPosition(snippet, lines, m.pos);
    const end = m.endPos ? snippetPosition(snippet, lines, m.endPos) : start;
    if (start.line === snippet.axiomsLine && m.severity !== 'error') {
      axiomTexts.push(m.data);
      continue;
    }
    if (start.line >= first && start.line <= last) {
      const range: Range = { start: { line: start.line - first, character: start.character }, end: { line: Math.min(end.line, last) - first, character: end.character } };
      own.push({ severity: severityOf(m.severity), range, text: m.data });
    } else if (m.severity === 'error' && start.line < first && earlierError === undefined) {
      earlierError = m.data;
    } else if (m.severity === 'error' && start.line === snippet.axiomsLine) {
      own.push({ severity: 'error', range: { start: { line: last - first, character: 0 }, end: { line: last - first, character: 0 } }, text: m.data });
    }
  }

  const errors = own.filter((m) => m.severity === 'error');
  if (errors.length > 0) {
    const shown = errors.slice(0, options.maxFeedbackErrors);
    const feedback = shown.map((m) => `line ${m.range.start.line + 1}: ${m.text}\n  ${(candidateLines[m.range.start.line] ?? '').trim()}`).join('\n\n');
    return verdict('lean-error', `Lean reported ${errors.length} error${errors.length === 1 ? '' : 's'}: ${firstLine(errors[0]!.text)}`, { rule: 'lean-error', messages: own, feedback }, elapsed);
  }
  if (earlierError !== undefined) {
    return verdict('infra-error', `the file has an error before this declaration: ${firstLine(earlierError)}`, { rule: 'lean-error', messages: own }, elapsed);
  }
  const sorryInCandidate =
    own.some((m) => USES_SORRY.test(m.text)) ||
    (response.sorries ?? []).some((s) => {
      const line = s.pos.line - 1 + snippet.headerLines;
      return line >= first && line <= last;
    });
  if (sorryInCandidate) return verdict('rejected', 'the proof uses `sorry`', { rule: 'uses-sorry', messages: own }, elapsed);

  const axiomsText = axiomTexts.find((t) => AXIOMS_LIST.test(t) || NO_AXIOMS.test(t));
  if (axiomsText === undefined) {
    return verdict('infra-error', `no \`#print axioms ${snippet.checkedName}\` output came back, so the proof cannot be accepted`, { rule: 'no-diagnostics-barrier', messages: own }, elapsed);
  }
  const axioms = NO_AXIOMS.test(axiomsText)
    ? []
    : AXIOMS_LIST.exec(axiomsText)![1]!
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== '');
  const allowed = new Set([...STANDARD_AXIOMS, ...(options.allowNativeDecide ? NATIVE_AXIOMS : [])]);
  if (axioms.includes('sorryAx')) {
    return verdict('rejected', 'the proof depends on `sorryAx`: it uses a declaration that is proved with `sorry`', { rule: 'uses-sorry', messages: own, axioms }, elapsed);
  }
  const extra = axioms.filter((a) => !allowed.has(a));
  if (extra.length > 0) {
    return verdict('rejected', `the proof depends on non-standard axioms: ${extra.join(', ')}`, { rule: 'axioms', messages: own, axioms }, elapsed);
  }
  if (!statementKept(target, candidate)) {
    return verdict('rejected', 'the candidate changes the statement', { rule: 'statement-changed', messages: own }, elapsed);
  }
  return { kind: 'proved', reason: 'Lean accepted the proof (kimina server)', messages: own, feedback: '', axioms, elapsedMs: elapsed };
}

function statementKept(target: ProofTarget, candidate: Candidate): boolean {
  const header = target.declaration.header;
  if (!candidate.declarationText.startsWith(header)) return false;
  return normalizeStatement(candidate.declarationText.slice(0, header.length)) === normalizeStatement(header);
}

function firstLine(s: string): string {
  const line = s.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
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
    const toSend: { candidate: Candidate; snippet: KiminaSnippet }[] = [];
    for (const candidate of request.candidates) {
      const screened = screenCandidate(candidate, request.target, opts);
      if (!screened.ok) {
        out.set(candidate.id, verdict('rejected', screened.reason, { rule: 'screening' }));
        continue;
      }
      toSend.push({ candidate, snippet: kiminaSnippet(request.target, candidate) });
    }
    for (let i = 0; i < toSend.length; i += this.batchSize) {
      signal?.throwIfAborted();
      const batch = toSend.slice(i, i + this.batchSize);
      const started = Date.now();
      const timeoutSeconds = Math.max(1, Math.ceil(request.timeoutMs / 1000));
      let results: KiminaResult[];
      try {
        results = await this.post(batch.map(({ candidate, snippet }) => ({ custom_id: candidate.id, proof: snippet.code })), timeoutSeconds, request.timeoutMs + this.slackMs, signal);
      } catch (err) {
        if (signal?.aborted) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        for (const { candidate } of batch) out.set(candidate.id, verdict('infra-error', reason, {}, Date.now() - started));
        continue;
      }
      const byId = new Map(results.map((r) => [String(r.custom_id), r]));
      const elapsedMs = Date.now() - started;
      for (const { candidate, snippet } of batch) {
        out.set(candidate.id, judgeKiminaResult(request.target, candidate, snippet, byId.get(candidate.id), { ...opts, elapsedMs }));
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
