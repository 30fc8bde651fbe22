import assert from 'node:assert/strict';
import { parseCli, resolveCliConfig, UsageError } from '../../src/cli/args';
import { ExitCode } from '../../src/cli/exit-codes';
import { exitCodeFor, totalsOf, type ReportItem } from '../../src/cli/report';

const noFile = (): string => {
  throw new Error('ENOENT');
};

describe('cli arguments', () => {
  it('parses prove with flags, repeated endpoints and numbers', () => {
    const o = parseCli(['prove', 'Foo.lean', 'Bar', '--endpoint', 'http://a:8000', '--endpoint', 'http://b:8000/v1', '--model', 'oprover-32b', '--rounds', '2', '--samples', '8', '--k', '0', '-j', '3', '--insert', '--json', '--report', 'r.json']);
    assert.equal(o.command, 'prove');
    assert.deepEqual(o.positionals, ['Foo.lean', 'Bar']);
    assert.deepEqual(o.endpoints, ['http://a:8000', 'http://b:8000/v1']);
    assert.equal(o.rounds, 2);
    assert.equal(o.samples, 8);
    assert.equal(o.k, 0);
    assert.equal(o.concurrency, 3);
    assert.equal(o.insert, true);
    assert.equal(o.json, true);
    assert.equal(o.report, 'r.json');
    assert.equal(o.index, true);
  });

  it('turns mistakes into usage errors that exit 2', () => {
    for (const argv of [['prove'], ['frobnicate'], ['prove', 'x.lean', '--rounds', 'two'], ['prove', 'x.lean', '--unknown'], ['check', 'a.lean', 'b.lean']]) {
      assert.throws(() => parseCli(argv), (e: unknown) => e instanceof UsageError && e.exitCode === ExitCode.Usage, argv.join(' '));
    }
  });

  it('reads --search and --search-budget into search mode and oprover.searchBudget', () => {
    const o = parseCli(['prove', 'x.lean', '--search', '--search-budget', '200']);
    assert.equal(o.search, true);
    assert.equal(resolveCliConfig(o, {}, () => '{}').config.searchBudget, 200);
    assert.equal(parseCli(['prove', 'x.lean']).search, false);
    assert.throws(() => parseCli(['prove', 'x.lean', '--search-budget', 'lots']), UsageError);
  });

  it('shows help with no command', () => {
    assert.equal(parseCli([]).command, 'help');
    assert.equal(parseCli(['prove', '--help']).command, 'help');
  });

  it('merges defaults, config file, environment and flags in that order, validated', () => {
    const file = JSON.stringify({ rounds: 6, samplesPerRound: 2, endpoints: [{ baseUrl: 'http://file-host:9000' }] });
    const fromFile = resolveCliConfig(parseCli(['prove', 'x', '--config', 'c.json']), {}, () => file);
    assert.equal(fromFile.config.rounds, 6);
    assert.deepEqual(fromFile.config.endpoints, [{ baseUrl: 'http://file-host:9000/v1', model: '' }]);

    const withEnv = resolveCliConfig(parseCli(['prove', 'x', '--config', 'c.json', '--rounds', '3']), { OPROVER_ENDPOINT: 'http://env-a:1, http://env-b:2', OPROVER_MODEL: 'm', OPROVER_API_KEY: ' k ' }, () => file);
    assert.equal(withEnv.config.rounds, 3);
    assert.equal(withEnv.config.samplesPerRound, 2);
    assert.deepEqual(
      withEnv.config.endpoints.map((e) => [e.baseUrl, e.model]),
      [
        ['http://env-a:1/v1', 'm'],
        ['http://env-b:2/v1', 'm'],
      ],
    );
    assert.equal(withEnv.apiKey, 'k');

    const flags = resolveCliConfig(parseCli(['prove', 'x', '--endpoint', 'http://flag:3', '--insert', '--kimina', 'http://kimina:8000']), { OPROVER_ENDPOINT: 'http://env:1', OPROVER_KIMINA_API_KEY: 'kk' }, noFile);
    assert.deepEqual(flags.config.endpoints.map((e) => e.baseUrl), ['http://flag:3/v1']);
    assert.equal(flags.config.insertMode, 'insert-all');
    assert.deepEqual(flags.kimina, { url: 'http://kimina:8000', apiKey: 'kk' });
  });

  it('rejects bad config with the setting named', () => {
    assert.throws(() => resolveCliConfig(parseCli(['prove', 'x', '--config', 'c.json']), {}, () => '{"rounds": "many"}'), /oprover\.rounds/);
    assert.throws(() => resolveCliConfig(parseCli(['prove', 'x', '--config', 'c.json']), {}, () => 'not json'), /not valid JSON/);
    assert.throws(() => resolveCliConfig(parseCli(['prove', 'x', '--config', 'c.json']), {}, noFile), /cannot read --config/);
    assert.throws(() => resolveCliConfig(parseCli(['prove', 'x', '--endpoint', 'ftp://x']), {}, noFile), (e: unknown) => e instanceof UsageError && /http/.test(e.message));
    assert.throws(() => resolveCliConfig(parseCli(['prove', 'x', '--rounds', '0']), {}, noFile), /rounds/);
    assert.throws(() => resolveCliConfig(parseCli(['prove', 'x', '--sandbox', 'maybe']), {}, noFile), /leanSandbox.*auto, no-network, off/);
    assert.equal(resolveCliConfig(parseCli(['prove', 'x', '--sandbox', 'no-network']), {}, noFile).config.leanSandbox, 'no-network');
    assert.equal(resolveCliConfig(parseCli(['prove', 'x']), {}, noFile).config.leanSandbox, 'auto');
  });
});

describe('cli exit codes', () => {
  const item = (status: ReportItem['status']): ReportItem => ({ file: 'A.lean', line: 1, declaration: 'a', status, rounds: 0, timeMs: 0, tokens: { prompt: 1, completion: 2 }, reason: '', sorries: 1, resumed: false });

  it('orders interrupted, setup incomplete, infrastructure, unproved, ok', () => {
    assert.equal(exitCodeFor(totalsOf([item('proved'), item('skipped')]), false), ExitCode.Ok);
    assert.equal(exitCodeFor(totalsOf([]), false), ExitCode.Ok);
    assert.equal(exitCodeFor(totalsOf([item('proved'), item('failed')]), false), ExitCode.Unproved);
    assert.equal(exitCodeFor(totalsOf([item('failed'), item('error')]), false), ExitCode.Infrastructure);
    assert.equal(exitCodeFor(totalsOf([item('failed'), item('error'), item('blocked')]), false), ExitCode.SetupIncomplete);
    assert.equal(exitCodeFor(totalsOf([item('blocked')]), true), ExitCode.Interrupted);
  });

  it('counts targets, sorries and tokens', () => {
    const t = totalsOf([item('proved'), item('skipped'), { ...item('failed'), sorries: 3 }]);
    assert.equal(t.targets, 2);
    assert.equal(t.sorries, 5);
    assert.equal(t.promptTokens, 3);
    assert.equal(t.completionTokens, 6);
  });
});
