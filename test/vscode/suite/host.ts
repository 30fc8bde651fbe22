// What the extension-host tests share: the extension's context, files of the open workspace,
// bounded waits, and the fixture servers' records.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OProverContext } from '../../../src/context';
import type { ReceivedRequest } from '../../vscode-host/model-fixture';
import { until } from '../../vscode-host/until';

export const extensionId = 'oprover.oprover-vscode';

/** The extension's context (what activate returns), activating it when needed. */
export async function extensionContext(): Promise<OProverContext> {
  const extension = vscode.extensions.getExtension<OProverContext>(extensionId);
  assert.ok(extension, `${extensionId} is loaded`);
  return extension.isActive ? extension.exports : extension.activate();
}

export function workspaceFile(relative: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the fixture workspace is open');
  return vscode.Uri.joinPath(folder.uri, ...relative.split('/'));
}

/** A fresh copy of a workspace file under Demo/, opened in an editor, so each test starts from the same text. */
export async function freshDocument(relative: string, copyName: string): Promise<vscode.TextDocument> {
  const copy = workspaceFile(`Demo/${copyName}`);
  await vscode.workspace.fs.writeFile(copy, await vscode.workspace.fs.readFile(workspaceFile(relative)));
  const document = await vscode.workspace.openTextDocument(copy);
  await vscode.window.showTextDocument(document);
  return document;
}

/** Sets an `oprover.*` workspace setting (undefined clears it) and waits until the extension sees it. */
export async function setSetting(ctx: OProverContext, key: 'insertMode' | 'leanSandbox', value: string | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('oprover').update(key, value, vscode.ConfigurationTarget.Workspace);
  if (value !== undefined) await until(`oprover.${key} = ${value} to reach the extension`, () => ctx.config[key] === value);
}

export { until } from '../../vscode-host/until';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every request the test model server received so far (the tier runner serves the list). */
export async function modelRequests(): Promise<ReceivedRequest[]> {
  const url = process.env.OPROVER_MODEL_FIXTURE_REQUESTS;
  assert.ok(url, 'OPROVER_MODEL_FIXTURE_REQUESTS is set by the tier runner');
  const response = await fetch(url);
  return (await response.json()) as ReceivedRequest[];
}

/** Every file under `dir`, recursively; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(full) : e.isFile() ? [full] : [];
  });
}
