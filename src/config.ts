// Typed, validated settings shared by the extension (read from `oprover.*`) and the CLI (flags, env
// and an optional JSON file). The API key is never a setting: SecretStorage in the editor,
// OPROVER_API_KEY for the CLI.

export type InsertMode = 'insert-all' | 'ask' | 'report-only';
export type LeanSandboxSetting = 'auto' | 'no-network' | 'off';

export interface EndpointConfig {
  baseUrl: string;
  model: string;
}

export interface OProverConfig {
  /** OpenAI-compatible endpoints; requests are spread over all healthy ones. Empty: none configured. */
  endpoints: EndpointConfig[];
  promptProfile: string;
  /** User template for the `custom` profile; placeholders documented in the README. */
  customTemplate: string;
  /** Section headers of the `oprover` profile. */
  promptHeaders: { retrieved: string; previous: string; errors: string; task: string; goal: string; lemmas: string };
  rounds: number;
  samplesPerRound: number;
  /** Sampling; unset (undefined): the prompt profile's default (core/prompt/sampling.ts). */
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Prompt budget in characters (about 3.5 characters a token): retrieved proofs are trimmed first, then feedback. */
  contextChars: number;
  retrievalK: number;
  /** Imported declarations (statements only) listed per prompt as lemmas that may help (0: none). */
  declarationsK: number;
  /** Symbolic pre-pass tactics, tried before any GPU call. */
  prepassTactics: string[];
  prepassEnabled: boolean;
  /** Verbatim replays of this many retrieved proofs in the pre-pass. */
  prepassReplays: number;
  requestTimeoutMs: number;
  candidateTimeoutMs: number;
  maxRetries: number;
  /** Warm scratch documents for verification (0 = choose from free memory). */
  verifierSlots: number;
  allowNativeDecide: boolean;
  /** Lean server command: empty means `lake serve` in a Lake project, else `lean --server`. */
  leanPath: string;
  lakePath: string;
  /** `auto`: no-network sandbox where bubblewrap works (Linux), else none; `no-network`: required; `off`. */
  leanSandbox: LeanSandboxSetting;
  batchConcurrency: number;
  batchTimeLimitMs: number;
  insertMode: InsertMode;
  /** Folder of a user-supplied ONNX embedder (model.onnx + tokenizer.json); empty = the built-in one. */
  embedderPath: string;
  embedderPooling: 'mean' | 'cls' | 'none';
  maxFeedbackErrors: number;
  /** The editor indexes the workspace's complete proofs into the memory bank (after activation, and on save). */
  indexWorkspace: boolean;
  /** Re-rank the retrieved proofs for lemma coverage (src/retrieval/coverage.ts); off: the fused order. */
  retrievalCoverage: boolean;
  /** Proof-state search in round 0: Lean probes at most (0 = off). */
  searchBudget: number;
  /** Proof-state search in round 0: wall-clock limit, ms. */
  searchTimeLimitMs: number;
  /** Proof optimization: the metric a rewrite must strictly improve (`length`, `readability`, `characters`, `custom`). */
  optimizeMetric: string;
  /** Weights of the `custom` optimization metric: tactic name (or `have:`, `term`, `*`) → weight per step. */
  optimizeCustomWeights: Record<string, number>;
  /** Show the previous failed attempt of the repair loop with the goal after each tactic line (Chain-of-States). */
  repairChainOfStates: boolean;
}

export const DEFAULT_TACTICS_CORE = ['rfl', 'decide', 'simp', 'omega', 'grind'];
export const DEFAULT_TACTICS_MATHLIB = ['norm_num', 'linarith', 'nlinarith', 'positivity', 'aesop'];

export const DEFAULT_CONFIG: OProverConfig = {
  endpoints: [],
  promptProfile: 'oprover',
  customTemplate: '',
  promptHeaders: {
    retrieved: '**Retrieved Verified Proofs:**',
    previous: '**Previous Failed Attempt:**',
    errors: '**Error Messages:**',
    task: '**Current Task:**',
    goal: 'The goal at the `sorry`:',
    lemmas: '**Lemmas That May Help (statements only, from the imported declarations; not proofs):**',
  },
  rounds: 4,
  samplesPerRound: 4,
  temperature: undefined,
  topP: undefined,
  maxTokens: undefined,
  contextChars: 100_000,
  retrievalK: 4,
  declarationsK: 8,
  prepassTactics: [...DEFAULT_TACTICS_CORE, ...DEFAULT_TACTICS_MATHLIB],
  prepassEnabled: true,
  prepassReplays: 2,
  requestTimeoutMs: 600_000,
  candidateTimeoutMs: 60_000,
  maxRetries: 3,
  verifierSlots: 0,
  allowNativeDecide: false,
  leanPath: '',
  lakePath: '',
  leanSandbox: 'auto',
  batchConcurrency: 2,
  batchTimeLimitMs: 600_000,
  insertMode: 'ask',
  embedderPath: '',
  embedderPooling: 'mean',
  maxFeedbackErrors: 8,
  indexWorkspace: true,
  retrievalCoverage: false,
  searchBudget: 96,
  searchTimeLimitMs: 30_000,
  optimizeMetric: 'length',
  optimizeCustomWeights: {},
  repairChainOfStates: false,
};

export class ConfigError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`oprover.${key}: ${message}`);
    this.name = 'ConfigError';
  }
}

const INT_RANGES: Partial<Record<keyof OProverConfig, [number, number]>> = {
  rounds: [1, 64],
  samplesPerRound: [1, 64],
  contextChars: [1000, 10_000_000],
  retrievalK: [0, 64],
  declarationsK: [0, 64],
  prepassReplays: [0, 64],
  requestTimeoutMs: [1000, 3_600_000],
  candidateTimeoutMs: [1000, 3_600_000],
  maxRetries: [0, 20],
  verifierSlots: [0, 32],
  batchConcurrency: [1, 64],
  batchTimeLimitMs: [1000, 86_400_000],
  maxFeedbackErrors: [1, 100],
  searchBudget: [0, 100_000],
  searchTimeLimitMs: [1000, 3_600_000],
};

/** The sampling settings, which default to the prompt profile's values when unset. */
const SAMPLING_RANGES: Partial<Record<keyof OProverConfig, { ok: (v: number) => boolean; expected: string }>> = {
  temperature: { ok: (v) => v >= 0 && v <= 2, expected: 'a number from 0 to 2' },
  topP: { ok: (v) => v > 0 && v <= 1, expected: 'a number above 0 and at most 1' },
  maxTokens: { ok: (v) => Number.isInteger(v) && v >= 16 && v <= 1_000_000, expected: 'a whole number from 16 to 1000000' },
};

/** Parse a base URL the way users type it: trailing slashes dropped, `/v1` added when missing. */
export function normalizeBaseUrl(raw: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ConfigError('endpoint', `"${raw}" is not a URL; expected something like http://gpu-box:8000/v1`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('endpoint', `"${raw}" must start with http:// or https://`);
  }
  return /\/v\d+$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

/**
 * Merge user values over the defaults, checking every type and range. Unknown keys are ignored;
 * a wrong value throws a ConfigError that names the setting and what it should be.
 */
export function resolveConfig(user: Partial<Record<keyof OProverConfig, unknown>>): OProverConfig {
  const out: OProverConfig = structuredClone(DEFAULT_CONFIG);
  for (const [key, value] of Object.entries(user) as [keyof OProverConfig, unknown][]) {
    if (value === undefined || value === null || !(key in DEFAULT_CONFIG)) continue;
    // Sampling settings have no default of their own (the prompt profile's applies): numbers, when set.
    const def = key in SAMPLING_RANGES ? 0 : DEFAULT_CONFIG[key];
    if (key === 'endpoints') {
      if (!Array.isArray(value)) throw new ConfigError(key, 'expected a list of {baseUrl, model}');
      out.endpoints = value.map((e, i) => {
        if (typeof e !== 'object' || e === null || typeof (e as EndpointConfig).baseUrl !== 'string') {
          throw new ConfigError(`${key}[${i}]`, 'expected {"baseUrl": "http://host:8000/v1", "model": "..."}');
        }
        const model = (e as EndpointConfig).model;
        return { baseUrl: normalizeBaseUrl((e as EndpointConfig).baseUrl), model: typeof model === 'string' ? model : '' };
      });
      continue;
    }
    if (typeof def === 'number') {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ConfigError(key, `expected a number, got ${JSON.stringify(value)}`);
      const range = INT_RANGES[key];
      if (range && (value < range[0] || value > range[1] || !Number.isInteger(value))) {
        throw new ConfigError(key, `expected a whole number from ${range[0]} to ${range[1]}, got ${value}`);
      }
      const sampling = SAMPLING_RANGES[key];
      if (sampling && !sampling.ok(value)) throw new ConfigError(key, `expected ${sampling.expected}, got ${value}`);
      (out as unknown as Record<string, unknown>)[key] = value;
    } else if (typeof def === 'boolean') {
      if (typeof value !== 'boolean') throw new ConfigError(key, `expected true or false, got ${JSON.stringify(value)}`);
      (out as unknown as Record<string, unknown>)[key] = value;
    } else if (typeof def === 'string') {
      if (typeof value !== 'string') throw new ConfigError(key, `expected a string, got ${JSON.stringify(value)}`);
      if (key === 'insertMode' && !['insert-all', 'ask', 'report-only'].includes(value)) {
        throw new ConfigError(key, 'expected one of insert-all, ask, report-only');
      }
      if (key === 'leanSandbox' && !['auto', 'no-network', 'off'].includes(value)) {
        throw new ConfigError(key, 'expected one of auto, no-network, off');
      }
      if (key === 'embedderPooling' && !['mean', 'cls', 'none'].includes(value)) {
        throw new ConfigError(key, 'expected one of mean, cls, none');
      }
      if (key === 'optimizeMetric' && !['length', 'readability', 'characters', 'custom'].includes(value)) {
        throw new ConfigError(key, 'expected one of length, readability, characters, custom');
      }
      (out as unknown as Record<string, unknown>)[key] = value;
    } else if (Array.isArray(def)) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ConfigError(key, 'expected a list of strings');
      (out as unknown as Record<string, unknown>)[key] = [...value];
    } else if (key === 'optimizeCustomWeights') {
      if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value as object).every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0)) {
        throw new ConfigError(key, 'expected an object of tactic names to non-negative numbers, e.g. {"simp": 2, "have:": 0.5, "*": 1}');
      }
      out.optimizeCustomWeights = { ...(value as Record<string, number>) };
    } else if (key === 'promptHeaders') {
      if (typeof value !== 'object') throw new ConfigError(key, 'expected an object of section headers');
      out.promptHeaders = { ...out.promptHeaders, ...(value as object) };
    }
  }
  return out;
}
