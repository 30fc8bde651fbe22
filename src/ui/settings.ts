// `oprover.*` settings → OProverConfig. Every config field is a setting of the same name, except the
// endpoints: `oprover.endpoint` + `oprover.model` (the simple case) come first, then the
// `oprover.endpoints` list. resolveConfig validates; its ConfigError names the setting to fix.
import { DEFAULT_CONFIG, resolveConfig, type OProverConfig } from '../config';

/** Setting names whose value is a plain OProverConfig field of the same name. */
export const PLAIN_SETTINGS = (Object.keys(DEFAULT_CONFIG) as (keyof OProverConfig)[]).filter((k) => k !== 'endpoints');

/** The config as settings give it: `oprover.endpoint` + `oprover.model` first, then `oprover.endpoints`. */
export function configFromSettings(get: (key: string) => unknown): OProverConfig {
  const user: Partial<Record<keyof OProverConfig, unknown>> = {};
  for (const key of PLAIN_SETTINGS) user[key] = get(key);
  const endpoints: unknown[] = [];
  const single = get('endpoint');
  if (typeof single === 'string' && single.trim()) endpoints.push({ baseUrl: single, model: get('model') ?? '' });
  const list = get('endpoints');
  if (Array.isArray(list)) endpoints.push(...list);
  else if (list !== undefined && list !== null) endpoints.push(list);
  user.endpoints = endpoints;
  return resolveConfig(user);
}
