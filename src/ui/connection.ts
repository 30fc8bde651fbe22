// "OProver: Test Connection": asks each configured endpoint for its models (`GET {base}/models`,
// the OpenAI-compatible listing vLLM and SGLang serve) and says in words what is wrong when it fails.
// The key goes only in the Authorization header; it is never logged.
import type { EndpointConfig } from '../config';

export interface ProbeResult {
  ok: boolean;
  /** One line for the user. */
  detail: string;
  models: string[];
}

export async function probeEndpoint(endpoint: EndpointConfig, apiKey: string | undefined, timeoutMs = 10_000, fetchImpl: typeof fetch = fetch): Promise<ProbeResult> {
  const url = `${endpoint.baseUrl}/models`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : cause?.code ?? cause?.message ?? (err as Error).message;
    return { ok: false, detail: `endpoint unreachable at ${endpoint.baseUrl} (${why}): is the server running, and is oprover.endpoint right?`, models: [] };
  }
  if (response.status === 401 || response.status === 403) {
    return { ok: false, detail: `${endpoint.baseUrl} refused the API key (HTTP ${response.status}): run OProver: Set API Key`, models: [] };
  }
  if (!response.ok) return { ok: false, detail: `${url} answered HTTP ${response.status}: is this an OpenAI-compatible server (vLLM, SGLang)?`, models: [] };
  let models: string[] = [];
  try {
    const body = (await response.json()) as { data?: { id?: unknown }[] };
    models = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return { ok: false, detail: `${url} did not answer with JSON: is this an OpenAI-compatible server?`, models: [] };
  }
  if (endpoint.model && models.length > 0 && !models.includes(endpoint.model)) {
    return { ok: false, detail: `${endpoint.baseUrl} is up but does not serve model "${endpoint.model}"; it serves: ${models.slice(0, 8).join(', ')}. Fix oprover.model`, models };
  }
  return { ok: true, detail: `${endpoint.baseUrl} is reachable${models.length ? `; models: ${models.slice(0, 8).join(', ')}` : ''}`, models };
}
