// Restricted Mode: the workspace is opened with workspace trust on and the folder not trusted. The
// extension must start no process and send nothing anywhere, whatever the user invokes, and say why.
// The tier runner makes that a real test: the fixture endpoint and the stand-in lean/lake are in the
// user's own settings too (which do apply in Restricted Mode), the stand-ins are first on PATH, and
// they note every launch in LEAN_FIXTURE_LAUNCH_LOG.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { extensionContext, extensionId, filesUnder, modelRequests, until, workspaceFile } from '../suite/host';

/** Every process below this one (the extension host), with its command line. */
/**
 * The extension host's descendant processes, except the language servers of VS Code's own built-in
 * extensions (under its app root's extensions/ folder: the JSON server starts whenever a JSON file
 * is open, whatever OProver does).
 */
function descendantProcesses(): string[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // the field after the parenthesised name is the state, then the parent pid
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === process.pid) return true;
    return false;
  };
  const builtIn = path.join(vscode.env.appRoot, 'extensions') + path.sep;
  return [...parentOf.keys()]
    .filter(below)
    .map((pid) => {
      try {
        return `${pid}: ${fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()}`;
      } catch {
        return `${pid}: (ended)`;
      }
    })
    .filter((line) => !line.includes(builtIn));
}

/** The OProver output channel's log file, under the extension's log folder. */
function oproverLogText(logFolder: vscode.Uri): string {
  return filesUnder(logFolder.fsPath)
    .filter((f) => path.basename(f) === 'OProver.log')
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
}

describe('Restricted Mode (workspace trust on, folder not trusted)', () => {
  it('opens the fixture workspace untrusted', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'vscode.workspace.isTrusted is false');
    assert.equal(path.basename(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? ''), 'workspace');
  });

  it('activates on a .lean file, and every command and the code action refuse with the reason: no process starts, the endpoint gets no request', async () => {
    const launchLog = process.env.LEAN_FIXTURE_LAUNCH_LOG;
    assert.ok(launchLog && fs.existsSync(launchLog), 'the runner set up the launch log');
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension, `${extensionId} is loaded`);

    const document = await vscode.workspace.openTextDocument(workspaceFile('Demo/Basic.lean'));
    const editor = await vscode.window.showTextDocument(document);
    await until('the extension to activate (it supports untrusted workspaces in a limited way)', () => extension.isActive);
    const ctx = await extensionContext();
    assert.equal(ctx.trusted, false, 'the extension sees the workspace as untrusted');
    assert.ok(ctx.config.endpoints.length > 0, 'an endpoint is configured (in the user settings), so only the trust check stands between it and the test server');

    const sorry = document.positionAt(document.getText().indexOf('sorry') + 2);
    editor.selection = new vscode.Selection(sorry, sorry);

    // The code action is still offered (it costs nothing); running it must not prove.
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, new vscode.Range(sorry, sorry));
    const action = (actions ?? []).find((a) => a.title.startsWith('Prove with OProver'));
    assert.ok(action?.command, `the code action is offered; offered: ${JSON.stringify((actions ?? []).map((a) => a.title))}`);

    // Every command, with what it returned (or threw); judged after what matters most: no process, no request.
    const run = async (...args: unknown[]): Promise<unknown> => {
      try {
        return await vscode.commands.executeCommand(...(args as [string, ...unknown[]]));
      } catch (error) {
        return `threw: ${error instanceof Error ? error.message : String(error)}`;
      }
    };
    const refusals: [string, unknown][] = [
      ['code action', await run(action.command.command, ...(action.command.arguments ?? []))],
      ['oprover.proveAtCursor', await run('oprover.proveAtCursor')],
      ['oprover.proveAtCursor (uri, position)', await run('oprover.proveAtCursor', document.uri, sorry)],
      ['oprover.proveAllInFile', await run('oprover.proveAllInFile')],
      ['oprover.testConnection', await run('oprover.testConnection')],
      ['oprover.importCorpus', await run('oprover.importCorpus', workspaceFile('proofs.jsonl'))],
    ];
    // These have nothing to start here: no job ran, no batch was cut off.
    const others = [await run('oprover.retry'), await run('oprover.cancel'), await run('oprover.resumeBatch', workspaceFile('Demo/Basic.lean')), await run('oprover.showPanel')];

    // The check of the endpoint after activation and the resume offer run on timers: wait until both
    // have said they did nothing here, then look for processes and requests.
    await until('the deferred endpoint check and resume offer to run', () => {
      const log = oproverLogText(ctx.extension.logUri);
      return /endpoint check after activation: skipped \(untrusted workspace\)/.test(log) && /resume offer after activation: skipped \(untrusted workspace\)/.test(log);
    });
    const launches = fs.readFileSync(launchLog, 'utf8').trim();
    assert.equal(launches, '', `no lean or lake was launched; launched:\n${launches}`);
    // (VS Code's built-in servers are left out of the count: they live in its extensions/ folder.)
    assert.ok(fs.existsSync(path.join(vscode.env.appRoot, 'extensions', 'json-language-features')), `built-in extensions under ${vscode.env.appRoot}`);
    assert.deepEqual(descendantProcesses(), [], 'the extension host has no child processes');
    const requests = await modelRequests();
    assert.deepEqual(requests.map((r) => r.path), [], 'the test model server received no request');
    for (const [what, result] of refusals) assert.ok(result === undefined || result === false, `${what} refused (returned ${JSON.stringify(result)})`);
    assert.ok(others.every((r) => r === undefined || r === false), `the other commands did nothing: ${JSON.stringify(others)}`);
    assert.equal(ctx.jobs.list().length, 0, 'no proof job exists');

    // The user was told why: once per refused command, in the notification and in the OProver log.
    const told = await until('the refusals in the OProver log', () => {
      const lines = oproverLogText(ctx.extension.logUri).split('\n').filter((l) => /is off in an untrusted workspace/.test(l));
      return lines.length >= refusals.length ? lines : undefined;
    });
    assert.equal(told.length, refusals.length, `one reason per refused command:\n${told.join('\n')}`);
    assert.ok(told.some((l) => /\[warning\] Proving is off in an untrusted workspace: it would start Lean and send file contents/.test(l)), told.join('\n'));
    assert.ok(told.some((l) => /Testing the connection is off/.test(l)), told.join('\n'));
    assert.ok(told.some((l) => /Importing a proof corpus is off/.test(l)), told.join('\n'));
  });
});
