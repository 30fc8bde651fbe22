// The retrieval wing: a local embedder, the crash-safe proof bank, exact search, the Retriever
// port and the indexers that fill it. Nothing here imports `vscode`.
export { BuiltinEmbedder, OnnxSentenceEmbedder, createEmbedder, defaultModelsDir, type Embedder, type Pooling } from './embedder';
export { ProofBank, dedupKey, type AddResult, type BankRecord, type OpenReport } from './bank';
export { MemoryBank, type MemoryBankOptions, type MemoryStats } from './memory';
export { importCorpus, importDeclarations, indexWorkspace, indexFile, proofsFromLeanFile, type DeclarationSink, type ImportResult, type IndexResult, type Progress, type ProofSink, type RunOptions } from './indexer';
export { DeclarationStore, type DeclarationHit } from './declaration-store';
export { declarationEntry, declarationLine, DECLARATION_FIELDS, type DeclarationRecord } from './declarations';
export { VectorIndex, topKByLoop, OrtTopK, type ScoredRow } from './search';
