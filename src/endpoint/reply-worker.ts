// The reply reader's thread: runs extraction (lexing and parsing a model's reply) for the
// extension host, so that a large or hostile reply never blocks the editor's thread. Messages in:
// { id, completion, target, origin, options }; out: { id, extraction }.
import { parentPort } from 'node:worker_threads';
import { candidateFromCompletion, type ExtractOptions } from '../core/extract';
import type { Candidate, Completion, ProofTarget } from '../core/types';

interface Request {
  id: number;
  completion: Completion;
  target: ProofTarget;
  origin: Candidate['origin'];
  options?: ExtractOptions;
}

parentPort?.on('message', (m: Request) => {
  let extraction;
  try {
    extraction = candidateFromCompletion(m.completion, m.target, m.origin, m.options);
  } catch (err) {
    extraction = { ok: false, problem: `the reply could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  parentPort!.postMessage({ id: m.id, extraction });
});
