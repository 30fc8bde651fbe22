// The feature thread's script: the built-in model's features (lean-features.ts) of many texts,
// computed off the caller's thread so that a bank can work out its dedup keys meanwhile. Messages in:
// { id, texts, buckets, maxFeatures }; out: { id, offsets, ids, weights } (`packFeatures`), or
// { id, error }.
import { parentPort } from 'node:worker_threads';
import { hashedFeatures, packFeatures } from './lean-features';

interface Request {
  id: number;
  texts: string[];
  buckets: number;
  maxFeatures: number;
}

parentPort?.on('message', (m: Request) => {
  try {
    const packed = packFeatures(m.texts.map((text) => hashedFeatures(text, { buckets: m.buckets, maxFeatures: m.maxFeatures })));
    parentPort!.postMessage({ id: m.id, ...packed }, [packed.offsets.buffer, packed.ids.buffer, packed.weights.buffer]);
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
