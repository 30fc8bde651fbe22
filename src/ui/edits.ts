// Putting proofs into documents, showing them as diffs, and finding their sorry again. Insertion
// goes through one WorkspaceEdit on the text the plan was made from; it refuses, and says why,
// when the sorry's declaration changed or cannot be found unambiguously.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import type { Candidate, ProofTarget } from '../core/types';
import { applyPlan, planInsertion } from './insert';
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
export async function insertProof(ctx: OProverContext, uri: string, target: ProofTarget, proof: { body: string; declarationText: string }): Promise<InsertOutcome> {
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  } catch (err) {
    return { ok: false, message: `not inserted: cannot open ${target.file}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const text = document.getText();
  const version = document.version;
  const plan = planInsertion(target, text, proof.body);
  if (!plan.ok) return { ok: false, message: plan.reason };
  if (document.version !== version) return { ok: false, message: 'not inserted: the document changed while the edit was prepared; try again' };
  const edit = new vscode.WorkspaceEdit();
  edit.replace(document.uri, new vscode.Range(document.positionAt(plan.start), document.positionAt(plan.end)), plan.body);
  const applied = await vscode.workspace.applyEdit(edit);
  if (!applied) return { ok: false, message: 'not inserted: VS Code refused the edit (is the file read-only?)' };
  const name = target.declaration.fullName ?? target.declaration.name ?? 'example';
  ctx.log.info(`inserted the verified proof of ${name} into ${vscode.workspace.asRelativePath(document.uri)}`);
  // Co-evolution: a proof the user accepted joins the project's memory bank.
  ctx
    .bank(target.projectRoot)
    .remember({ name, statement: target.declaration.header, proof: proof.declarationText, source: { kind: 'accepted', file: vscode.workspace.asRelativePath(document.uri), line: target.sorry.range.start.line + 1 } })
    .catch((err: unknown) => ctx.log.warn(`could not add the proof to the memory bank: ${err instanceof Error ? err.message : String(err)}`));
  return { ok: true, message: `inserted the verified proof of ${name}${plan.moved ? ' (the declaration had moved; it was found unchanged)' : ''}` };
}

/** Virtual documents holding "the file with this proof in it", for VS Code's diff editor. */
export class ProposedContent implements vscode.TextDocumentContentProvider {
  private readonly contents = new Map<string, string>();
  private counter = 0;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.query) ?? '-- this proposal is no longer available';
  }

  add(fileName: string, text: string): vscode.Uri {
    const key = `p${++this.counter}`;
    this.contents.set(key, text);
    if (this.contents.size > 30) this.contents.delete(this.contents.keys().next().value!);
    return vscode.Uri.from({ scheme: PROPOSED_SCHEME, path: `/${fileName}`, query: key });
  }
}

export async function showDiff(ctx: OProverContext, proposals: ProposedContent, job: JobRecord, candidate: Candidate, verified: boolean): Promise<InsertOutcome> {
  const document = await documentOf(job);
  const current = document.getText();
  const plan = planInsertion(job.target, current, candidate.body);
  const base = plan.ok ? current : job.target.text;
  const proposedText = plan.ok ? applyPlan(current, plan) : applyPlan(job.target.text, planInsertion(job.target, job.target.text, candidate.body) as Extract<ReturnType<typeof planInsertion>, { ok: true }>);
  const fileName = document.uri.path.split('/').pop() ?? 'proof.lean';
  const right = proposals.add(fileName, proposedText);
  const left = plan.ok ? document.uri : proposals.add(`${fileName} (when the job started)`, base);
  const title = `${fileName} ↔ ${verified ? 'verified proof' : 'unverified attempt'} of ${job.target.declaration.fullName ?? job.target.declaration.name ?? 'example'}`;
  await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
  return plan.ok ? { ok: true, message: 'diff shown' } : { ok: true, message: `diff against the text the job read: ${plan.reason.replace(/^not inserted: /, '')}` };
}

/** Opens the job's document and selects its sorry (where it is now, when the declaration moved). */
export async function locate(job: JobRecord): Promise<void> {
  const document = await documentOf(job);
  const plan = planInsertion(job.target, document.getText(), '');
  const delta = plan.ok ? plan.start - job.target.declaration.bodyStart : 0;
  const start = document.positionAt(job.target.sorry.offset + delta);
  const end = document.positionAt(job.target.sorry.offset + delta + 'sorry'.length);
  const editor = await vscode.window.showTextDocument(document, { preserveFocus: false, preview: false });
  editor.selection = new vscode.Selection(start, end);
  editor.revealRange(new vscode.Range(start, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
