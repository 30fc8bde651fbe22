// The text a retrieval query is embedded and matched as: the statement, then the goal state (cut to
// GOAL_CHARS) and the names from Lean's errors, each on its own line.
import type { RetrievalQuery } from '../core/types';

export const GOAL_CHARS = 2000;

export function queryText(query: RetrievalQuery): string {
  const parts = [query.statement];
  if (query.goal?.trim()) parts.push(query.goal.trim().slice(0, GOAL_CHARS));
  if (query.hints?.length) parts.push(query.hints.join(' '));
  return parts.join('\n');
}
