// The vocabulary of the core: targets, candidates, verdicts, and the three ports the repair loop
// needs (Verifier, Retriever, Model). Nothing here imports `vscode`, a process or the network, so
// the extension, the CLI and the benchmarks share one loop.

/** 0-based position in UTF-16 code units, as LSP and JavaScript strings count. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type DeclarationKind =
  | 'theorem'
  | 'lemma'
  | 'example'
  | 'def'
  | 'abbrev'
  | 'instance'
  | 'opaque'
  | 'axiom'
  | 'structure'
  | 'inductive'
  | 'class'
  | 'other';

/** A top-level declaration of a Lean file. Offsets are indices into the file's JS string. */
export interface Declaration {
  kind: DeclarationKind;
  /** Declared name as written (`foo`, `Nat.foo`); undefined for `example` and anonymous instances. */
  name: string | undefined;
  /** Fully qualified name, with the enclosing `namespace`s prepended. */
  fullName: string | undefined;
  /** Offset of the first character of the declaration (doc comment, attributes and modifiers included). */
  start: number;
  /** Offset of the `:=` (or `|`/`where`) that starts the body; equals `end` when there is no body. */
  bodyStart: number;
  /** Offset just past the last character of the declaration. */
  end: number;
  /** text[start, bodyStart), without trailing whitespace: modifiers, name, binders and type. */
  header: string;
  /** text[bodyStart, end): the proof, starting with `:=`. */
  body: string;
}

/** One `sorry` in a document, with the declaration that holds it. */
export interface SorryLocation {
  offset: number;
  range: Range;
  declaration: Declaration | undefined;
  /** Set when the `sorry` is a hole in a longer proof, not the whole body (`:= by sorry`, `:= sorry`). */
  hole?: HoleSite;
}

/** Where a hole stands in its declaration's proof. */
export interface HoleSite {
  /** 1-based, in text order among the declaration's holes. */
  index: number;
  /** The declaration's holes in all. */
  count: number;
  /** From the text around it: whether the `sorry` stands for tactics or for a term (Lean's goal answer decides when known). */
  mode: 'tactic' | 'term';
  /** Only whitespace shares its line. */
  ownLine: boolean;
  /** It follows `by` on the same line (`:= by sorry`). */
  afterBy: boolean;
  /** Leading whitespace of its line. */
  lineIndent: string;
}

/** Where a proof job points: the user's document as it was when the job started. */
export interface ProofTarget {
  /** file path or URI string of the user's document. */
  file: string;
  /** Lake project root (or the file's folder) the verifier runs in. */
  projectRoot: string;
  /** The document's full text when the job started. */
  text: string;
  /** The document's version when the job started (editor version, or 0 for files on disk). */
  version: number;
  sorry: SorryLocation;
  declaration: Declaration;
}

/** A candidate proof: the target's own header followed by a body the model wrote. */
export interface Candidate {
  id: string;
  /** The whole declaration text that would replace the target declaration. */
  declarationText: string;
  /** Only the body (`:= by ...`), for display and insertion. */
  body: string;
  /** Where it came from: a tactic of the pre-pass, a replayed retrieved proof, or a model sample. */
  origin: { kind: 'tactic'; tactic: string } | { kind: 'replay'; proofId: string } | { kind: 'model'; round: number; sample: number };
  /**
   * Helper lemmas the proof uses, stated by the model beside it (core/helpers.ts): checked by Lean
   * before the declaration in the same document, inserted above it on accept. Absent: none.
   */
  helpers?: HelperLemma[];
  /** A proof of a hole: the one edit Insert makes, replacing text[start, end) of the text the job read (the hole's `sorry`). */
  holeEdit?: { start: number; end: number; text: string };
}

/** A helper lemma that travels with a candidate: one plain `theorem NAME ... := ...`, screened like a proof. */
export interface HelperLemma {
  name: string;
  /** The whole declaration text, starting with `theorem`. */
  text: string;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A Lean message, positioned relative to the candidate declaration (line 0 = its first line). */
export interface LeanMessage {
  severity: Severity;
  range: Range;
  text: string;
  /** Goal state at the message's position when Lean gave one (unsolved goals, errors inside tactics). */
  goal?: string;
}

export type VerdictKind = 'proved' | 'lean-error' | 'rejected' | 'timeout' | 'cancelled' | 'infra-error';

/** Which acceptance rule failed, for the panel and for the next prompt. */
export type GateRule =
  | 'screening'
  | 'statement-changed'
  | 'lean-error'
  | 'uses-sorry'
  | 'axioms'
  | 'forbidden-construct'
  | 'stale-version'
  | 'no-diagnostics-barrier'
  | 'one-declaration';

export interface Verdict {
  kind: VerdictKind;
  rule?: GateRule;
  /** One line a person can read: why it passed or failed. */
  reason: string;
  messages: LeanMessage[];
  /** Compiler feedback formatted for the next prompt (empty when proved). */
  feedback: string;
  axioms?: string[];
  elapsedMs: number;
}

export interface VerifyRequest {
  target: ProofTarget;
  candidates: Candidate[];
  /** Wall-clock limit per candidate. */
  timeoutMs: number;
}

/** The one place that decides "proved": checks candidates with Lean and the acceptance gate. */
export interface Verifier {
  verify(request: VerifyRequest, signal?: AbortSignal): Promise<Map<string, Verdict>>;
  /** Whether checks can run at all, and if not, what the user must do ("install Lean: ..."). */
  availability(): Promise<{ ok: true; description: string } | { ok: false; reason: string }>;
  dispose(): Promise<void>;
}

export type ProofSourceKind = 'workspace' | 'accepted' | 'corpus';

export interface ProofSource {
  kind: ProofSourceKind;
  /** Workspace file or corpus name. */
  file?: string;
  line?: number;
}

export interface RetrievedProof {
  id: string;
  /** Declaration name when known. */
  name?: string;
  statement: string;
  /** The full verified declaration (statement and proof). */
  proof: string;
  source: ProofSource;
  score: number;
}

export interface RetrievalQuery {
  statement: string;
  /** Fully qualified name of the target, excluded from results so a theorem never retrieves itself. */
  excludeName?: string;
  excludeFile?: string;
  /** The goal state at the `sorry`, when known: searched with the statement. */
  goal?: string;
  /** Names from Lean's errors on the last failed attempt (unknown identifiers, lemmas that did not apply). */
  hints?: string[];
}

export interface VerifiedProof {
  name?: string;
  statement: string;
  /** The full declaration text (statement and proof). */
  proof: string;
  source: ProofSource;
}

/**
 * A declaration's statement without a proof, from an imported declaration dump (e.g. Mathlib's):
 * a lemma the model may use by name. Never a verified proof; never replayed or shown as one.
 */
export interface RetrievedDeclaration {
  name: string;
  /** What follows the name, as `#check` prints it: `: TYPE` or `(binders) : TYPE`. */
  signature: string;
  module?: string;
  score: number;
}

/** The memory bank of verified proofs. */
export interface Retriever {
  retrieve(query: RetrievalQuery, k: number, signal?: AbortSignal): Promise<RetrievedProof[]>;
  /** The top-k imported declarations (statements only) for a query; empty when none were imported. */
  retrieveDeclarations?(query: RetrievalQuery, k: number, signal?: AbortSignal): Promise<RetrievedDeclaration[]>;
  /** Fold a verified proof back into the memory (OProver's co-evolution). */
  remember(proof: VerifiedProof): Promise<void>;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface GenerateRequest {
  messages: ChatMessage[];
  n: number;
  temperature: number;
  topP: number;
  maxTokens: number;
}

export interface Completion {
  /** The answer (the `content` field). */
  text: string;
  /** The reasoning the server returned apart from the answer (`reasoning` / `reasoning_content` of vLLM and SGLang). */
  reasoning?: string;
  /** `stop`, `length` (cut at maxTokens), ... as the server said. */
  finishReason: string;
  promptTokens?: number;
  completionTokens?: number;
  /** Sum of the sampled tokens' log-probabilities, when the server returned `logprobs`. */
  logprob?: number;
}

export interface GenerateOptions {
  signal?: AbortSignal;
  /** Streaming text as it arrives, per sample index. */
  onDelta?: (sample: number, delta: string) => void;
}

/** The inference endpoint (OpenAI-compatible: vLLM, SGLang). */
export interface Model {
  readonly description: string;
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<Completion[]>;
}

/** Thrown by ports for failures the user must act on; `message` says what to do. */
export class ActionableError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ActionableError';
  }
}

/** What a prompt profile sees each round. OProver keeps no transcript: only the latest attempt. */
export interface PromptInput {
  /** The file's text before the target declaration that the model needs: imports, opens, namespaces. */
  context: string;
  /** The target declaration with its proof replaced by `by sorry`. */
  statement: string;
  /** Goal state at the sorry, when known. */
  goal?: string;
  retrieved: RetrievedProof[];
  /** Round number, 1-based (round 0 is the symbolic pre-pass, which has no prompt). */
  round: number;
  /** Every earlier model attempt with its feedback, oldest first; profiles choose how much to show. */
  history: PromptHistoryItem[];
  /**
   * Earlier declarations of the file the statement may need (definitions, structures, notations,
   * statements of earlier lemmas without their proofs), most relevant first within a budget.
   */
  definitions?: string;
  /** Imported declarations (statements only) that may help, best first; absent when none were imported. */
  lemmas?: RetrievedDeclaration[];
}

export interface PromptHistoryItem {
  /** The attempt as checked: the declaration (or, when nothing could be extracted, the end of the reply). */
  attempt: string;
  /** Feedback in this project's layout (core/feedback.ts), or the reason the attempt never reached Lean. */
  feedback: string;
  /** The model's whole reply, for profiles that replay it as the assistant turn (Goedel, Kimina). */
  raw?: string;
  /** Lean's messages on `attempt` (lines relative to its first line), for profiles with their own layout. */
  messages?: LeanMessage[];
}

export interface PromptProfile {
  readonly id: string;
  render(input: PromptInput): ChatMessage[];
}
