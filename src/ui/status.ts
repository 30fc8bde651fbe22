// The status-bar item: how many jobs run, and whether the endpoint answers. Clicking opens the panel.
import * as vscode from 'vscode';
import type { OProverContext } from '../context';

/** `cleared`: fires when finished jobs are removed, so the palette's context keys follow. */
export function createStatusItem(ctx: OProverContext, cleared?: vscode.Event<void>): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('oprover.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'OProver';
  const update = (): void => {
    const running = ctx.jobs.running().length;
    void vscode.commands.executeCommand('setContext', 'oprover.jobsRunning', running > 0);
    // Palette entries that need a finished job (Retry, Clear Finished) show only when there is one.
    const finished = ctx.jobs.list().filter((j) => j.status !== 'running' && j.status !== 'queued');
    void vscode.commands.executeCommand('setContext', 'oprover.hasFinishedJobs', finished.length > 0);
    void vscode.commands.executeCommand('setContext', 'oprover.hasRetryableJobs', finished.some((j) => j.status !== 'proved'));
    const e = ctx.endpointState;
    const parts: string[] = [];
    let icon = '$(sparkle)';
    if (running > 0) icon = '$(sync~spin)';
    else if (!ctx.trusted) icon = '$(shield)';
    else if (e.kind === 'unreachable' || e.kind === 'none' || ctx.configProblem) icon = '$(warning)';
    parts.push(`${icon} OProver`);
    if (running > 0) parts.push(String(running));
    // Without an endpoint only the tactic pre-pass runs: say so, and lead to the setting.
    const noEndpoint = e.kind === 'none' && ctx.trusted && !ctx.configProblem;
    if (noEndpoint && running === 0) parts.push('· no endpoint');
    item.command = noEndpoint && running === 0 ? { title: 'Set the endpoint', command: 'workbench.action.openSettings', arguments: ['oprover.endpoint'] } : 'oprover.showPanel';
    item.text = parts.join(' ');
    const tips = [running > 0 ? `${running} proof job${running === 1 ? '' : 's'} running` : 'no proof job running'];
    if (!ctx.trusted) tips.push('untrusted workspace: no Lean process starts and nothing is sent');
    if (ctx.configProblem) tips.push(`settings: ${ctx.configProblem}`);
    if (e.kind === 'none') tips.push('no endpoint configured: only the tactic pre-pass runs. Click to set oprover.endpoint');
    else if (e.kind === 'unknown') tips.push(`endpoint ${ctx.endpointDescription()}: not checked yet (OProver: Test Connection)`);
    else tips.push(e.detail);
    item.tooltip = tips.join('\n');
    item.backgroundColor = e.kind === 'unreachable' || ctx.configProblem || noEndpoint ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  update();
  const subs = [ctx.onDidChange(update), ctx.jobs.onEvent((e) => (e.type === 'job-started' || e.type === 'job-finished') && update())];
  if (cleared) subs.push(cleared(update));
  return { dispose: () => [item, ...subs].forEach((d) => d.dispose()) };
}
