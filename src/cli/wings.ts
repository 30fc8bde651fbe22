// The two constructors the CLI takes from the Lean and endpoint wings, in one place.
import type { OProverConfig } from '../config';
import type { Model, Verifier } from '../core/types';
import type { Toolchain } from './toolchain';

export function createLocalVerifier(root: string, isLakeProject: boolean, toolchain: Toolchain, config: OProverConfig, log: (m: string) => void): Verifier {
  void root;
  void isLakeProject;
  void config;
  void log;
  return {
    async verify() {
      return new Map();
    },
    async availability() {
      return { ok: false, reason: `Lean was found at ${toolchain.lean}, but the local Lean verifier is not in this build yet; use --kimina URL` };
    },
    async dispose() {},
  };
}

export function createModel(config: OProverConfig, apiKey: string | undefined): Model {
  void apiKey;
  const description = config.endpoints.map((e) => e.baseUrl).join(', ');
  return {
    description,
    async generate() {
      throw new Error(`the endpoint client is not in this build yet (${description})`);
    },
  };
}
