// The two constructors the CLI takes from the Lean and endpoint wings, in one place.
import type { OProverConfig } from '../config';
import type { Model } from '../core/types';
import { EndpointModel, type LogFn } from '../endpoint/client';
import { LeanVerifier } from '../lean/verifier';
import type { Toolchain } from './toolchain';

/** The local Lean verifier, pointed at the toolchain the CLI found (PATH, --lean, or ~/.elan/bin). */
export function createLocalVerifier(root: string, toolchain: Toolchain, config: OProverConfig, log: (m: string) => void): LeanVerifier {
  const found: OProverConfig = { ...config, leanPath: toolchain.lean ?? config.leanPath, lakePath: toolchain.lake ?? config.lakePath };
  return new LeanVerifier({ projectRoot: root, config: found, log });
}

export function createModel(config: OProverConfig, apiKey: string | undefined, log?: LogFn): Model {
  return new EndpointModel({ endpoints: config.endpoints, apiKey, config, log });
}
