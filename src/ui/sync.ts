// Keeps the editor and the panel in step. An inserted proof that the user undoes (the declaration
// with its sorry is back) gets its Insert button back; in the editor, a CodeLens at the sorry says
// "proving…" while a job runs and "proof ready — Insert · Diff" once Lean verified one.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';
import { locateIn, planInsertion } from './insert';
import type { JobRecord } from './jobs';
import type { PanelProvider } from './panel';

/** Whether a proof is waiting to be inserted: proved, not in the file, and its sorry still there. */
function proofReady(job: JobRecord, inserted: ReadonlySet<string>): boolean {
  return job.status === 'proved' && job.result?.proof !== undefined && !inserted.has(job.id);
}

export class ProofLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(
    private readonly ctx: OProverContext,
    private readonly inserted: ReadonlySet<string>,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const uri = document.uri.toString();
    const text = document.getText();
    const lenses: vscode.CodeLens[] = [];
    const seen = new Set<number>();
    // Newest first: a retry's lens wins over the job it retried.
    for (const job of this.ctx.jobs.list().reverse()) {
      if (job.uri !== uri) continue;
      const running = job.status === 'running' || job.status === 'queued';
      if (!running && !proofReady(job, this.inserted)) continue;
      if (!planInsertion(job.target, text, '').ok) continue;
      const at = locateIn(job.target, text);
      if (!at || seen.has(at.start)) continue;
      seen.add(at.start);
      const range = new vscode.Range(document.positionAt(at.start), document.positionAt(at.end));
      if (running) {
        lenses.push(new vscode.CodeLens(range, { title: '$(sync~spin) OProver: proving…', command: 'oprover.showPanel', arguments: [job.id], tooltip: 'Show the job in the Proof Jobs panel' }));
      } else {
        lenses.push(new vscode.CodeLens(range, { title: '$(check) proof ready — Insert', command: 'oprover.insertProof', arguments: [job.id], tooltip: 'Insert the proof Lean verified' }));
        lenses.push(new vscode.CodeLens(range, { title: 'Diff', command: 'oprover.showProofDiff', arguments: [job.id], tooltip: 'Show the file with the verified proof in the diff editor' }));
      }
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerEditorSync(ctx: OProverContext, panel: PanelProvider): vscode.Disposable[] {
  /** Jobs whose proof the panel says is in the file. */
  const inserted = new Set<string>();
  const lenses = new ProofLenses(ctx, inserted);
  return [
    lenses,
    vscode.languages.registerCodeLensProvider({ language: 'lean4' }, lenses),
    panel.onDidNote((note) => {
      if (note.inserted === true) inserted.add(note.jobId);
      else if (note.inserted === false) inserted.delete(note.jobId);
      lenses.refresh();
    }),
    ctx.jobs.onEvent((event) => {
      if (event.type === 'job-started' || event.type === 'job-finished') lenses.refresh();
    }),
    vscode.workspace.onDidChangeTextDocument((change) => {
      if (inserted.size === 0 || change.contentChanges.length === 0) return;
      const uri = change.document.uri.toString();
      const text = change.document.getText();
      for (const jobId of [...inserted]) {
        const job = ctx.jobs.get(jobId);
        if (!job) {
          inserted.delete(jobId);
          continue;
        }
        // The declaration with its sorry is back exactly as the job read it: the insert was undone.
        if (job.uri === uri && planInsertion(job.target, text, '').ok) {
          panel.addNote({ jobId, level: 'info', text: 'the inserted proof was undone: Insert is offered again', inserted: false });
        }
      }
    }),
  ];
}
