// What the extension-host tests share: the extension's context, files of the open workspace,
// bounded waits, and the fixture servers' records.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { OProverContext } from '../../../src/context';
import type { ReceivedRequest } from '../../vscode-host/model-fixture';

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

export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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
