// The API key lives in SecretStorage only: it reaches the endpoint in the Authorization header and
// no log, setting or stored state. The test stores the key the way "OProver: Set API Key" does
// (context.secrets under oprover.apiKey; the command's input box cannot be typed into from here),
// takes OPROVER_API_KEY out of the environment so that SecretStorage is the only source, sets every
// log to trace, proves a sorry against the test model server, then reads every file of the user data
// folder (the logs: the OProver output channel, the extension host's, the server's; the user
// settings; stored state), of the project (its settings, the memory bank, the resume file) and of the
// extension's storage folders, and the extension's global and workspace state.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { extensionContext, filesUnder, modelRequests, sleep, until, workspaceFile } from './host';

const API_KEY_SECRET = 'oprover.apiKey'; // as in src/context.ts; the test fails if they differ (apiKey() below)

describe('the API key', () => {
  it('goes from SecretStorage into the Authorization header and into no log, setting or stored state', async () => {
    const ctx = await extensionContext();
    const key = process.env.OPROVER_API_KEY;
    assert.ok(key && key.length >= 16, 'the runner gave the fixture key');
    const userData = process.env.OPROVER_TEST_USER_DATA_DIR;
    assert.ok(userData && fs.existsSync(path.join(userData, 'User', 'settings.json')), 'the runner named the user data folder');
    delete process.env.OPROVER_API_KEY; // the extension host's environment is the extension's
    // Every level is written, so that a key logged at debug or trace shows too.
    await vscode.commands.executeCommand('_extensionTests.setLogLevel', 'trace');
    try {
      await until('the OProver log at trace level', () => ctx.log.logLevel === vscode.LogLevel.Trace);
      await ctx.extension.secrets.store(API_KEY_SECRET, key);
      await ctx.resetPorts();
      assert.ok((await ctx.apiKey()) === key, 'the extension reads the key from SecretStorage');

      const copy = workspaceFile('Demo/Secret.lean');
      await vscode.workspace.fs.writeFile(copy, await vscode.workspace.fs.readFile(workspaceFile('Demo/Basic.lean')));
      const document = await vscode.workspace.openTextDocument(copy);
      await vscode.window.showTextDocument(document);
      const seen = (await modelRequests()).length;
      const jobId = await vscode.commands.executeCommand<string | undefined>('oprover.proveAtCursor', document.uri, document.positionAt(document.getText().indexOf('sorry') + 2));
      const job = ctx.jobs.get(jobId ?? '');
      assert.ok(job, 'the command started a job');
      const result = await job.done;
      assert.equal(result.status, 'proved', `the job proved the goal with the stored key (reason: ${result.reason})`);

      const chats = (await modelRequests()).slice(seen).filter((r) => r.path.endsWith('/chat/completions'));
      assert.ok(chats.length >= 1, 'the endpoint received the chat requests');
      // compared, never printed: an assertion message would put the key into the test output
      assert.ok(chats.every((r) => r.authorization === `Bearer ${key}`), 'every chat request carried the stored key as a bearer token');

      await sleep(1500); // log channels write to their files in batches
      const logsRoot = path.join(userData, 'logs');
      const logFiles = filesUnder(logsRoot);
      const oproverLog = logFiles.find((f) => path.basename(f) === 'OProver.log');
      assert.ok(oproverLog && /proved/.test(fs.readFileSync(oproverLog, 'utf8')), `the OProver log is under the logs folder and tells of the proof; files: ${logFiles.map((f) => path.relative(logsRoot, f)).join(', ')}`);
      assert.ok(logFiles.some((f) => /exthost\.log$/.test(f)), 'the extension host log is among the files read');
      const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
      // everything the server side of VS Code keeps (logs, settings, state, caches) and the whole project
      const read = [...filesUnder(userData), ...filesUnder(folder), ...filesUnder(ctx.extension.globalStorageUri.fsPath), ...(ctx.extension.storageUri ? filesUnder(ctx.extension.storageUri.fsPath) : [])];
      assert.ok(read.includes(path.join(userData, 'User', 'settings.json')) && read.includes(path.join(folder, '.vscode', 'settings.json')), 'the user and workspace settings are among the files read');
      const holding = read.filter((f) => fs.existsSync(f) && fs.readFileSync(f).includes(key));
      assert.deepEqual(holding.map((f) => path.basename(f)), [], `the key is in none of the ${read.length} files read`);

      for (const [name, memento] of [['global', ctx.extension.globalState], ['workspace', ctx.extension.workspaceState]] as const) {
        const inState: string[] = memento.keys().filter((k) => JSON.stringify(memento.get(k) ?? null).includes(key));
        assert.deepEqual(inState, [], `the key is in no ${name} state entry`);
      }
      const settings = vscode.workspace.getConfiguration('oprover');
      assert.ok(!JSON.stringify(settings).includes(key), 'the key is in no oprover setting');
    } finally {
      await vscode.commands.executeCommand('_extensionTests.setLogLevel', 'info');
      process.env.OPROVER_API_KEY = key;
      await ctx.extension.secrets.delete(API_KEY_SECRET);
      await ctx.resetPorts();
    }
  });
});
