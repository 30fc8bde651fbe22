// The reply reader's thread: runs extraction (lexing and parsing a model's reply) for the
// extension host, so that a large or hostile reply never blocks the editor's thread. Messages in:
// { id, reply, target, origin }; out: { id, extraction }.
import { parentPort } from 'node:worker_threads';
import { candidateFromReply } from '../core/extract';
import type { Candidate, ProofTarget } from '../core/types';

interface Request {
  id: number;
  reply: string;
  target: ProofTarget;
  origin: Candidate['origin'];
}

parentPort?.on('message', (m: Request) => {
  let extraction;
  try {
    extraction = candidateFromReply(m.reply, m.target, m.origin);
  } catch (err) {
    extraction = { ok: false, problem: `the reply could not be read: ${err instanceof Error ? err.message : String(err)}` };
  }
  parentPort!.postMessage({ id: m.id, extraction });
});
