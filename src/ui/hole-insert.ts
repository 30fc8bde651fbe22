// Inserting a hole's verified proof: one edit, of the hole's `sorry` only. When the declaration or
// the text above it changed since the proof was checked (another hole filled, an edit above), the
// proof is checked again in place through the gate for holes before it lands.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import { checkInPlace } from '../core/hole/gate';
import { findSorries } from '../core/source';
import type { ProofTarget } from '../core/types';
import { planHoleInsertion, type HolePlan } from './hole-plan';
import { targetFromDocument } from './targets';
import type { InsertOutcome } from './edits';

export type HoleEditShape = { start: number; end: number; text: string };

async function recheck(ctx: OProverContext, document: vscode.TextDocument, target: ProofTarget, plan: Extract<HolePlan, { ok: true }>): Promise<{ ok: true } | { ok: false; message: string }> {
  const text = document.getText();
  const sorry = findSorries(text).find((s) => s.offset === plan.sorryOffset && s.hole);
  if (!sorry) return { ok: false, message: 'not inserted: the hole is no longer where it was; run the job again' };
  const current = targetFromDocument(document, sorry, text);
  const edit = { start: plan.start, end: plan.end, text: plan.text };
  try {
    const { verifier } = await ctx.ports(current.projectRoot || target.projectRoot);
    const verdict = (await checkInPlace(verifier, current, [{ id: 'recheck', origin: { kind: 'replay', proofId: 'recheck-before-insert' }, edit }], ctx.config.candidateTimeoutMs, ctx.config.allowNativeDecide)).get('recheck');
    if (verdict?.kind !== 'proved') return { ok: false, message: `not inserted: the proof around the hole changed since its proof was checked, and it no longer checks there: ${verdict?.reason ?? 'no verdict'}` };
  } catch (err) {
    return { ok: false, message: `not inserted: the hole's proof could not be checked again: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { ok: true };
}

export async function insertHoleProof(ctx: OProverContext, document: vscode.TextDocument, target: ProofTarget, holeEdit: HoleEditShape): Promise<InsertOutcome> {
  const version = document.version;
  const plan = planHoleInsertion(target, document.getText(), holeEdit);
  if (!plan.ok) return { ok: false, message: plan.reason };
  if (plan.recheck) {
    const again = await recheck(ctx, document, target, plan);
    if (!again.ok) return again;
  }
  if (document.version !== version) return { ok: false, message: 'not inserted: the document changed while the proof was checked again; run the job again' };
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(plan.start), document.positionAt(plan.end)), plan.text);
  if (!(await vscode.workspace.applyEdit(edit))) return { ok: false, message: 'not inserted: VS Code refused the edit (is the file read-only?)' };
  const name = target.declaration.fullName ?? target.declaration.name ?? 'example';
  ctx.log.info(`inserted the verified proof of a hole of ${name} into ${vscode.workspace.asRelativePath(document.uri)}`);
  return { ok: true, message: `inserted the verified proof of the hole on line ${document.positionAt(plan.start).line + 1} of ${name}${plan.recheck ? ' (the proof around it had changed: Lean checked it again there)' : ''}` };
}

/** The document with only the hole filled, for Show diff (against the text the job read when the hole cannot be found now). */
export function holeProposal(target: ProofTarget, current: string, holeEdit: HoleEditShape): { base: string; proposed: string; note?: string } {
  const plan = planHoleInsertion(target, current, holeEdit);
  if (plan.ok) return { base: current, proposed: current.slice(0, plan.start) + plan.text + current.slice(plan.end) };
  return { base: target.text, proposed: target.text.slice(0, holeEdit.start) + holeEdit.text + target.text.slice(holeEdit.end), note: plan.reason };
}
