// Drives code-server's workbench in Chromium the way a person does: keyboard, clicks, menus, the panel.
// Every wait is bounded; failures name what was awaited.
import fs from 'node:fs';
import path from 'node:path';
import type { Frame, Locator, Page } from 'playwright-core';

export const screenshotDir = path.resolve(import.meta.dirname, '..', '..', 'test-results', 'ui');

/** The class the workbench element gets for each built-in theme. */
const themeClass = {
  'Dark Modern': 'vs-dark',
  'Light Modern': 'vs',
  'Dark High Contrast': 'hc-black',
  'Light High Contrast': 'hc-light',
} as const;

export class Workbench {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
    readonly workspace: string,
  ) {}

  async open(): Promise<void> {
    await this.page.goto(`${this.baseUrl}/?folder=${encodeURIComponent(this.workspace)}`, { timeout: 60_000 });
    await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    await this.dismissNotifications();
  }

  /** Opens the workbench unless an earlier spec already did (so a spec can run alone). */
  async ensureOpen(): Promise<void> {
    if (!this.page.url().startsWith(this.baseUrl)) await this.open();
  }

  /** Quick Open (Ctrl+P) a workspace file by its relative path, and wait for its text. */
  async openFile(relativePath: string, expectText: string): Promise<void> {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(relativePath);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: path.basename(relativePath) }).first().waitFor({ timeout: 15_000 });
    await this.page.keyboard.press('Enter');
    await this.editorLine(expectText).waitFor({ timeout: 15_000 });
  }

  editorLine(text: string): Locator {
    return this.page.locator('.editor-group-container.active .monaco-editor .view-line', { hasText: text }).first();
  }

  /** Moves the caret with Go to Line (Ctrl+G), "line:column", both 1-based. */
  async goTo(line: number, column: number): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  }

  async focusEditor(): Promise<void> {
    await this.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click({ position: { x: 400, y: 5 } });
  }

  /** Runs a command from the palette (F1) by its title. */
  async palette(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`>${title}`);
    // the row whose label is exactly the title (not one that merely contains it)
    const row = this.page.locator('.quick-input-list .monaco-list-row').filter({ has: this.page.getByText(title, { exact: true }) }).first();
    await row.waitFor({ timeout: 15_000 });
    await row.click();
  }

  /** Opens the quick-fix menu (Ctrl+.) at the caret and waits for the action with this title. */
  async openCodeActions(title: string): Promise<Locator> {
    await this.page.keyboard.press('Control+.');
    const row = this.page.locator('.action-widget .monaco-list-row.action', { hasText: title }).first();
    await row.waitFor({ timeout: 20_000 });
    return row;
  }

  /** Chooses an action in the open quick-fix menu with the keyboard, as a person would (arrows, Enter). */
  async chooseCodeAction(title: string): Promise<void> {
    const rows = this.page.locator('.action-widget .monaco-list-row.action');
    const count = await rows.count();
    for (let i = 0; i <= count; i++) {
      const focused = this.page.locator('.action-widget .monaco-list-row.action.focused');
      if ((await focused.count()) > 0 && (await focused.first().getAttribute('aria-label')) === title) {
        await this.page.keyboard.press('Enter');
        await this.page.locator('.action-widget').waitFor({ state: 'hidden', timeout: 10_000 });
        return;
      }
      await this.page.keyboard.press('ArrowDown');
    }
    throw new Error(`no action "${title}" in the quick-fix menu`);
  }

  /**
   * The webview frame (inside VS Code's two nested iframes) that holds an element with this
   * data-testid. Polls, because webviews load after their view opens.
   */
  async webviewWith(testId: string, timeoutMs = 30_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const frame of this.page.frames()) {
        if (frame === this.page.mainFrame()) continue;
        const count = await frame.locator(`[data-testid="${testId}"]`).count().catch(() => 0);
        if (count > 0) return frame;
      }
      if (Date.now() > deadline) throw new Error(`no webview shows [data-testid="${testId}"] after ${timeoutMs} ms`);
      await this.page.waitForTimeout(200);
    }
  }

  /** Switches the color theme with Preferences: Color Theme, as a person would. */
  async setTheme(theme: keyof typeof themeClass): Promise<void> {
    await this.palette('Preferences: Color Theme');
    const input = this.page.locator('.quick-input-widget input[placeholder*="Color Theme"]');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(theme);
    await this.page.locator('.quick-input-list .monaco-list-row', { hasText: theme }).first().waitFor({ timeout: 10_000 });
    await this.page.keyboard.press('Enter');
    await this.page.locator(`.monaco-workbench.${themeClass[theme]}`).waitFor({ timeout: 15_000 });
    await this.page.waitForTimeout(700); // webviews restyle after the workbench
  }

  /** Opens the OProver view from its activity-bar icon, as a person would. */
  async showOProver(): Promise<void> {
    const icon = this.page.locator('.activitybar .action-item a[aria-label^="OProver"], .activitybar .action-item[aria-label^="OProver"]').first();
    await icon.waitFor({ timeout: 15_000 });
    const checked = await icon.evaluate((n) => n.closest('.action-item')?.classList.contains('checked') ?? false);
    if (!checked) await icon.click();
  }

  /** Clicks an action in the OProver view's title bar (its tooltip is the command's title). */
  async viewTitleAction(title: string): Promise<void> {
    const action = this.page.locator(`.part.sidebar .title-actions .action-label[aria-label="${title}"], .part.sidebar .pane-header .actions .action-label[aria-label="${title}"]`).first();
    await action.waitFor({ timeout: 15_000 });
    await action.click();
  }

  /** A modal dialog with this text, once it shows. */
  dialog(text: string | RegExp): Locator {
    return this.page.locator('.monaco-dialog-box', { hasText: text }).first();
  }

  /** Drags the side bar's edge so the side bar is `width` px wide (VS Code keeps it at 170 px at least). */
  async setSidebarWidth(width: number): Promise<number> {
    const sidebar = this.page.locator('.part.sidebar').first();
    const box = (await sidebar.boundingBox())!;
    const sashes = await this.page.locator('.monaco-sash.vertical').all();
    let best: { x: number; y: number } | undefined;
    for (const sash of sashes) {
      const b = await sash.boundingBox().catch(() => null);
      if (!b || b.height < box.height / 2) continue;
      const x = b.x + b.width / 2;
      if (Math.abs(x - (box.x + box.width)) < 8 && (!best || Math.abs(x - (box.x + box.width)) < Math.abs(best.x - (box.x + box.width)))) best = { x, y: b.y + b.height / 2 };
    }
    if (!best) throw new Error('no sash at the side bar edge');
    await this.page.mouse.move(best.x, best.y);
    await this.page.mouse.down();
    await this.page.mouse.move(box.x + width, best.y, { steps: 8 });
    await this.page.mouse.up();
    return ((await sidebar.boundingBox())!).width;
  }

  async dismissNotifications(): Promise<void> {
    for (const close of await this.page.locator('.notification-toast .codicon-notifications-clear').all()) {
      // A toast that closed meanwhile (a finished progress) leaves a button that never becomes clickable.
      await close.click({ timeout: 1000 }).catch(() => {});
    }
  }

  async screenshot(name: string): Promise<string> {
    fs.mkdirSync(screenshotDir, { recursive: true });
    const file = path.join(screenshotDir, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }
}

/**
 * Waits for `wanted` in a job's card, but gives up at once when the job ends without it (and says
 * how it ended), so a failed proof does not cost the whole timeout.
 */
export async function waitInJob(job: Locator, wanted: Locator, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await wanted.count()) > 0) return;
    const status = await job.getAttribute('data-status').catch(() => null);
    if (status && !['running', 'queued', 'proved'].includes(status)) {
      const reason = await job.locator('[data-testid="job-reason"]').first().innerText().catch(() => '');
      throw new Error(`waiting for ${what}: the job ended ${status}${reason ? `: ${reason}` : ''}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (job ${status ?? 'not shown'})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export { until } from '../vscode-host/until';
