// Sampling per prompt profile: each prover was run with its own temperature, top-p and output
// budget (30-32K new tokens for these reasoning provers). The profile's values apply unless the
// user set oprover.temperature / topP / maxTokens. Sources: docs/model.md, "Sampling defaults".
import type { OProverConfig } from '../../config';

export interface Sampling {
  temperature: number;
  topP: number;
  maxTokens: number;
}

export const PROFILE_SAMPLING: Record<string, Sampling> = {
  // Not published for OProver; its author's teacher runs (dma2077/Oprover config/*.yaml) used 30-32K new tokens.
  oprover: { temperature: 1.0, topP: 0.95, maxTokens: 30_000 },
  // dma2077/Oprover config/config_dpsk.yaml (DeepSeek-Prover-V2 as teacher): 32768 tokens, temperature 1.0, top_p 1.0.
  'deepseek-prover-v2': { temperature: 1.0, topP: 1.0, maxTokens: 32_768 },
  // Goedel-Prover-V2's evaluation: temperature 1.0, top_p 0.95; dma2077/Oprover config/config_goedel.yaml: 30000 tokens.
  'goedel-prover-v2': { temperature: 1.0, topP: 0.95, maxTokens: 30_000 },
  // dma2077/Oprover config/config_kimina.yaml: 32768 tokens, temperature 0.6, top_p 0.95 (Kimina-Prover's 32K RL context).
  kimina: { temperature: 0.6, topP: 0.95, maxTokens: 32_768 },
  // A user template: the values this project used before profiles had their own.
  custom: { temperature: 1.0, topP: 0.95, maxTokens: 16_384 },
};

/** The sampling a request uses: what the user set, else the profile's default. */
export function samplingFor(config: Pick<OProverConfig, 'promptProfile' | 'temperature' | 'topP' | 'maxTokens'>): Sampling {
  const profile = PROFILE_SAMPLING[config.promptProfile] ?? PROFILE_SAMPLING.custom!;
  return {
    temperature: config.temperature ?? profile.temperature,
    topP: config.topP ?? profile.topP,
    maxTokens: config.maxTokens ?? profile.maxTokens,
  };
}

/**
 * When a server refuses a request because prompt + max_tokens exceed its context, the output budget
 * that fits, read from its message (vLLM: "maximum context length is 32768 tokens ... (4000 in the
 * messages, 30000 in the completion)" or "... your request has 4000 input tokens"; SGLang: "... of
 * 32768 tokens ... 4000 tokens from the input messages"). Undefined when the message does not say,
 * or when less than `minimum` tokens would be left (the prompt must shrink instead).
 */
export function maxTokensThatFit(message: string, minimum = 1024): number | undefined {
  const context = /maximum context length (?:is |of )?(\d+)/i.exec(message);
  const input = /(\d+) (?:tokens )?(?:in the messages|input tokens|tokens from the input)/i.exec(message);
  if (!context || !input) return undefined;
  const left = Number(context[1]) - Number(input[1]) - 16;
  return left >= minimum ? left : undefined;
}
