// Putting proofs into documents, showing them as diffs, and finding their sorry again. Insertion
// goes through one WorkspaceEdit on the text the plan was made from; it refuses, and says why,
// when the sorry's declaration changed or cannot be found unambiguously. When the text above the
// declaration changed (it moved), Lean checks the proof again in place before it is inserted.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import type { Candidate, ProofTarget } from '../core/types';
import { makeCandidate } from '../core/extract';
import { withHelpers } from '../core/helpers';
import { completeDeclarations, declarationTarget } from '../core/optimize/loop';
import { findSorries } from '../core/source';
import { holeProposal, insertHoleProof, type HoleEditShape } from './hole-insert';
import { planHoleInsertion } from './hole-plan';
import { applyPlan, locateIn, placeHelpers, planInsertion, type InsertionPlan } from './insert';
import { targetFromDocument } from './targets';
import type { JobRecord } from './jobs';

export const PROPOSED_SCHEME = 'oprover-proposed';

export type InsertOutcome = { ok: true; message: string } | { ok: false; message: string };

async function documentOf(job: JobRecord): Promise<vscode.TextDocument> {
  return vscode.workspace.openTextDocument(vscode.Uri.parse(job.uri));
}

/** Inserts the job's verified proof. Only a proved job's own proof is ever inserted. */
export async function insertVerifiedProof(ctx: OProverContext, job: JobRecord): Promise<InsertOutcome> {
  const proof = job.result?.status === 'proved' ? job.result.proof : undefined;
  if (!proof) return { ok: false, message: 'not inserted: this job has no verified proof' };
  return insertProof(ctx, job.uri, job.target, proof);
}

/**
 * Inserts a proof Lean verified for `target` (a job's, or one a resumed batch took from the resume
 * file after screening it), planned on the document's current text: refused when the declaration
 * changed since `target.text` was read.
 */
export async function insertProof(ctx: OProverContext, uri: string, target: ProofTarget, proof: { body: string; declarationText: string; holeEdit?: HoleEditShape; helpers?: Candidate['helpers'] }): Promise<InsertOutcome> {
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  } catch (err) {
    return { ok: false, message: `not inserted: cannot open ${target.file}: ${err instanceof Error ? err.message : String(err)}` };
  }
  // A hole's proof edits only the hole.
  if (target.sorry.hole && proof.holeEdit) return insertHoleProof(ctx, document, target, proof.holeEdit);
  const text = document.getText();
  const version = document.version;
  const plan = planInsertion(target, text, proof.body);
  if (!plan.ok) return { ok: false, message: plan.reason };
  const rechecked = contextChanged(target, text, plan);
  if (rechecked) {
    // Lean checked the proof after the text above it as it was then; that text changed (an edit, or
    // an earlier insert of a batch), so the proof is checked again where it is now before it lands.
    const again = await recheck(ctx, document, target, plan, plan.body, proof.helpers);
    if (!again.ok) return again;
  }
  if (document.version !== version) {
    return { ok: false, message: rechecked ? 'not inserted: the document changed while the proof was checked again; run the job again' : 'not inserted: the document changed while the edit was prepared; try again' };
  }
  // The reply's helper lemmas (checked with the proof) go just above the declaration.
  const placed = placeHelpers(target, text, plan, proof.helpers);
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(placed.start), document.positionAt(placed.end)), placed.body);
  const applied = await vscode.workspace.applyEdit(edit);
  if (!applied) return { ok: false, message: 'not inserted: VS Code refused the edit (is the file read-only?)' };
  const name = target.declaration.fullName ?? target.declaration.name ?? 'example';
  ctx.log.info(`inserted the verified proof of ${name} into ${vscode.workspace.asRelativePath(document.uri)}`);
  // Co-evolution: a proof the user accepted joins the project's memory bank.
  ctx
    .bank(target.projectRoot)
    .remember({ name, statement: target.declaration.header, proof: withHelpers(proof), source: { kind: 'accepted', file: vscode.workspace.asRelativePath(document.uri), line: target.sorry.range.start.line + 1 } })
    .catch((err: unknown) => ctx.log.warn(`could not add the proof to the memory bank: ${err instanceof Error ? err.message : String(err)}`));
  return { ok: true, message: `inserted the verified proof of ${name}${rechecked ? ' (the text above it had changed: Lean checked it again there)' : ''}` };
}

/** Whether the text before the declaration differs from what Lean saw when it checked the proof. */
function contextChanged(target: ProofTarget, current: string, plan: Extract<InsertionPlan, { ok: true }>): boolean {
  const declStartNow = plan.start - (target.declaration.bodyStart - target.declaration.start);
  return current.slice(0, declStartNow) !== target.text.slice(0, target.declaration.start);
}

/** Checks `body` again at the declaration's place in the current document, through the same gate. */
async function recheck(ctx: OProverContext, document: vscode.TextDocument, target: ProofTarget, plan: Extract<InsertionPlan, { ok: true }>, body: string, helpers?: Candidate['helpers']): Promise<{ ok: true } | { ok: false; message: string }> {
  const name = target.declaration.fullName ?? target.declaration.name ?? 'example';
  const text = document.getText();
  const sorryNow = target.sorry.offset + (plan.start - target.declaration.bodyStart);
  // An optimization target has no sorry: its "sorry" is the start of the body (core/optimize/loop.ts).
  const optimized = target.sorry.offset === target.declaration.bodyStart ? completeDeclarations(text).find((d) => d.bodyStart === plan.start) : undefined;
  const sorry = findSorries(text).find((s) => s.offset === sorryNow && s.declaration);
  if (!sorry && !optimized) return { ok: false, message: `not inserted: the sorry of ${name} is no longer where the declaration is; run the job again` };
  const current = optimized ? declarationTarget(target.file, target.projectRoot, text, document.version, optimized) : targetFromDocument(document, sorry!, text);
  const candidate: Candidate = { ...makeCandidate(current, body, { kind: 'replay', proofId: 'recheck-before-insert' }), ...(helpers?.length ? { helpers } : {}) };
  ctx.log.info(`the text above ${name} changed since its proof was checked: checking it again before inserting`);
  try {
    const { verifier } = await ctx.ports(current.projectRoot || target.projectRoot);
    const verdict = (await verifier.verify({ target: current, candidates: [candidate], timeoutMs: ctx.config.candidateTimeoutMs })).get(candidate.id);
    if (verdict?.kind !== 'proved') return { ok: false, message: `not inserted: the text above ${name} changed since its proof was checked, and it no longer checks there: ${verdict?.reason ?? 'no verdict'}` };
  } catch (err) {
    return { ok: false, message: `not inserted: the text above ${name} changed and the proof could not be checked again: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { ok: true };
}

/** Virtual documents holding "the file with this proof in it", for VS Code's diff editor. */
export class ProposedContent implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, { text: string; jobId?: string }>();
  private counter = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.query)?.text ?? '-- this proposal is no longer available';
  }

  /** `jobId` only for a job's verified proof: the diff editor's Insert action then knows what to insert. */
  add(fileName: string, text: string, jobId?: string): vscode.Uri {
    const key = `p${++this.counter}`;
    this.contents.set(key, { text, jobId });
    if (this.contents.size > 30) this.contents.delete(this.contents.keys().next().value!);
    return vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${fileName}`, query: key });
  }

  /** The job whose verified proof a proposed document shows; undefined for attempts and other documents. */
  jobOf(uri: vscode.Uri): string | undefined {
    return uri.scheme === PROPOSED_SCHEME ? this.contents.get(uri.query)?.jobId : undefined;
  }
}

export async function showDiff(ctx: OProverContext, proposals: ProposedContent, job: JobRecord, candidate: Candidate, verified: boolean): Promise<InsertOutcome> {
  const document = await documentOf(job);
  const current = document.getText();
  if (job.target.sorry.hole && candidate.holeEdit) {
    // Just the hole: the document with only its `sorry` replaced.
    const hole = holeProposal(job.target, current, candidate.holeEdit);
    const fileName = document.uri.path.split('/').pop() ?? 'proof.lean';
    const left = hole.note === undefined ? document.uri : proposals.add(`${fileName} (when the job started)`, hole.base);
    await vscode.commands.executeCommand('vscode.diff', left, proposals.add(fileName, hole.proposed), `${fileName} ↔ verified proof of ${job.target.declaration.fullName ?? job.target.declaration.name ?? 'example'} (one hole)`, { preview: true });
    return { ok: true, message: hole.note === undefined ? 'diff shown' : `diff against the text the job read: ${hole.note.replace(/^not inserted: /, '')}` };
  }
  const plan = planInsertion(job.target, current, candidate.body);
  const base = plan.ok ? current : job.target.text;
  const original = planInsertion(job.target, job.target.text, candidate.body) as Extract<ReturnType<typeof planInsertion>, { ok: true }>;
  const proposedText = plan.ok ? applyPlan(current, placeHelpers(job.target, current, plan, candidate.helpers)) : applyPlan(job.target.text, placeHelpers(job.target, job.target.text, original, candidate.helpers));
  const fileName = document.uri.path.split('/').pop() ?? 'proof.lean';
  const right = proposals.add(fileName, proposedText, verified ? job.id : undefined);
  const left = plan.ok ? document.uri : proposals.add(`${fileName} (when the job started)`, base);
  const title = `${fileName} ↔ ${verified ? 'verified proof' : 'unverified attempt'} of ${job.target.declaration.fullName ?? job.target.declaration.name ?? 'example'}`;
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  return plan.ok ? { ok: true, message: 'diff shown' } : { ok: true, message: `diff against the text the job read: ${plan.reason.replace(/^not inserted: /, '')}` };
}

/** Opens the job's document and selects its sorry, or its declaration when the sorry is gone. */
export async function locate(job: JobRecord): Promise<void> {
  const document = await documentOf(job);
  // A hole is found again by its own line (other holes filled above it move it).
  const hole = job.target.sorry.hole ? planHoleInsertion(job.target, document.getText(), { start: job.target.sorry.offset, end: job.target.sorry.offset, text: '' }) : undefined;
  const found = hole?.ok ? { start: hole.sorryOffset, end: hole.sorryOffset + 'sorry'.length } : locateIn(job.target, document.getText());
  const editor = await vscode.window.showTextDocument(document, { preserveFocus: false, preview: false });
  if (!found) {
    void vscode.window.showInformationMessage(`OProver: ${job.target.declaration.fullName ?? job.target.declaration.name ?? 'the declaration'} is no longer in ${vscode.workspace.asRelativePath(document.uri)}`);
    return;
  }
  const start = document.positionAt(found.start);
  const end = document.positionAt(found.end);
  editor.selection = new vscode.Selection(start, end);
  editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
