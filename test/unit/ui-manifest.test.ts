// The manifest's contributions against the code: every command the UI registers, every config field
// as a setting with the same default, and settings read back into a valid config.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, DEFAULT_CONFIG } from '../../src/config';
import { CUSTOM_PLACEHOLDERS, PROFILE_IDS } from '../../src/core/prompt';
import { configFromSettings } from '../../src/ui/settings';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const COMMAND_IDS = [
  'oprover.proveAtCursor',
  'oprover.proveAllInFile',
  'oprover.cancel',
  'oprover.showPanel',
  'oprover.setApiKey',
  'oprover.testConnection',
  'oprover.importCorpus',
  'oprover.retry',
  'oprover.insertProof',
  'oprover.showProofDiff',
  'oprover.searchAtCursor',
  'oprover.clearFinished',
  'oprover.cancelAll',
  'oprover.optimizeAtCursor',
  'oprover.optimizeAllInFile',
];
/** The settings, from every section of the manifest's configuration. */
const SECTIONS = manifest.contributes.configuration as { title: string; properties: Record<string, { default: unknown; description?: string; markdownDescription?: string; enum?: string[] }> }[];
const PROPS = Object.assign({}, ...SECTIONS.map((s) => s.properties)) as (typeof SECTIONS)[number]['properties'];

describe('manifest contributions', () => {
  it('declares every command with the OProver category', () => {
    const declared = manifest.contributes.commands.map((c: { command: string }) => c.command);
    assert.deepEqual([...declared].sort(), [...COMMAND_IDS].sort());
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'OProver');
    const source = fs.readFileSync(path.join(__dirname, '../../src/ui/commands.ts'), 'utf8');
    for (const id of COMMAND_IDS) assert.ok(source.includes(`'${id}':`), `${id} is registered in src/ui/commands.ts`);
  });

  it('has a setting for every config field, with the same default', () => {
    const props = PROPS;
    for (const [key, value] of Object.entries(DEFAULT_CONFIG)) {
      const setting = props[`oprover.${key}`];
      assert.ok(setting, `oprover.${key} is contributed`);
      assert.deepEqual(setting.default, value, `oprover.${key} default`);
      assert.ok(setting.description || setting.markdownDescription, `oprover.${key} is described`);
    }
    assert.ok(props['oprover.endpoint'] && props['oprover.model']);
    assert.ok(!Object.keys(props).some((k) => /key|secret|token$/i.test(k) && k !== 'oprover.maxTokens'), 'no API key setting');
  });

  it('lists exactly the prompt profiles and template placeholders the core knows', () => {
    const props = PROPS;
    assert.deepEqual(props['oprover.promptProfile']!.enum, [...PROFILE_IDS]);
    for (const placeholder of CUSTOM_PLACEHOLDERS) assert.ok(props['oprover.customTemplate']!.markdownDescription!.includes(`{{${placeholder}}}`), placeholder);
  });

  it('groups the settings in sections, each setting in exactly one', () => {
    assert.deepEqual(SECTIONS.map((s) => s.title), ['Endpoint', 'Proving', 'Retrieval', 'Lean', 'Batch']);
    const keys = SECTIONS.flatMap((s) => Object.keys(s.properties));
    assert.equal(new Set(keys).size, keys.length, 'no setting in two sections');
    assert.ok(SECTIONS.find((s) => s.title === 'Endpoint')!.properties['oprover.endpoint']);
    assert.ok(SECTIONS.find((s) => s.title === 'Lean')!.properties['oprover.leanPath']);
  });

  it('hides palette entries that need a target or a job, and puts Clear Finished and Cancel All in the view title', () => {
    const palette = manifest.contributes.menus.commandPalette as { command: string; when: string }[];
    const when = (id: string) => palette.find((p) => p.command === id)?.when;
    for (const id of ['oprover.insertProof', 'oprover.showProofDiff', 'oprover.showPanel']) assert.equal(when(id), 'false', `${id} is not in the palette`);
    assert.equal(when('oprover.retry'), 'oprover.hasRetryableJobs');
    assert.equal(when('oprover.cancel'), 'oprover.jobsRunning');
    const title = (manifest.contributes.menus['view/title'] as { command: string; when: string }[]).map((m) => m.command);
    assert.deepEqual(title.sort(), ['oprover.cancelAll', 'oprover.clearFinished']);
    const status = fs.readFileSync(path.join(__dirname, '../../src/ui/status.ts'), 'utf8');
    for (const key of ['oprover.jobsRunning', 'oprover.hasRetryableJobs', 'oprover.hasFinishedJobs']) assert.ok(status.includes(`'${key}'`), `${key} is set by the extension`);
  });

  it('offers the panel in its own activity-bar container and limits untrusted workspaces', () => {
    assert.equal(manifest.contributes.viewsContainers.activitybar[0].id, 'oprover');
    assert.equal(manifest.contributes.views.oprover[0].type, 'webview');
    assert.equal(manifest.contributes.views.oprover[0].id, 'oprover.panel');
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(manifest.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('oprover.endpoint'));
    assert.ok(fs.existsSync(path.join(__dirname, '../..', manifest.contributes.viewsContainers.activitybar[0].icon)));
  });
});

describe('settings to config', () => {
  const read = (values: Record<string, unknown>) => configFromSettings((k) => values[k]);

  it('puts oprover.endpoint and oprover.model first, then the list', () => {
    const config = read({ endpoint: 'http://gpu:8000', model: 'oprover-8b', endpoints: [{ baseUrl: 'http://gpu2:8000/v1/', model: 'm2' }], rounds: 2 });
    assert.deepEqual(config.endpoints, [
      { baseUrl: 'http://gpu:8000/v1', model: 'oprover-8b' },
      { baseUrl: 'http://gpu2:8000/v1', model: 'm2' },
    ]);
    assert.equal(config.rounds, 2);
    assert.equal(config.samplesPerRound, DEFAULT_CONFIG.samplesPerRound);
  });

  it('names the setting to fix', () => {
    assert.throws(() => read({ rounds: 0 }), (e: unknown) => e instanceof ConfigError && /oprover\.rounds/.test(e.message));
    assert.throws(() => read({ endpoint: 'gpu-box' }), /oprover\.endpoint/);
  });
});
