// Proof-state search: goal parsing, symbolic expansion, the best-first search and its loop step.
export * from './goal';
export * from './expand';
export * from './search';
export * from './round';
