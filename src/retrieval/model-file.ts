// The shipped models' JSON files (lemma-prior.json, coverage-reranker.json): the checks every one
// of them needs before its own fields are read.
import { FEATURE_VERSION } from './lean-features';

/**
 * The file's JSON, when it is JSON, of `format`, and made for this build's features; otherwise an
 * Error that says what is wrong and how to remake it.
 */
export function readModelJson<T extends { format: string; featureVersion: number }>(text: string, where: string, expected: { format: T['format']; what: string; script: string }): T {
  let file: T;
  try {
    file = JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
  if (file?.format !== expected.format) throw new Error(`${where}: not ${expected.what} (format ${JSON.stringify(file?.format)})`);
  if (file.featureVersion !== FEATURE_VERSION) throw new Error(`${where}: made for feature version ${file.featureVersion}, this build uses ${FEATURE_VERSION}; retrain it with ${expected.script}`);
  return file;
}
