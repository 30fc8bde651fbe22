// A person sets the endpoint's API key the way the README says: "OProver: Set API Key", types it into
// the password box, and tests the connection. The key typed reaches the endpoint (which refuses it,
// and the person is told to set it again); clearing it falls back to the key the environment gives.
import assert from 'node:assert/strict';
import type { ReceivedRequest } from '../vscode-host/model-fixture';
import { session } from './session';
import { until } from './workbench';

const TYPED_KEY = 'sk-typed-by-a-person-0042';

async function received(): Promise<ReceivedRequest[]> {
  return (await (await fetch(session().modelRequestsUrl)).json()) as ReceivedRequest[];
}

describe('the API key', function () {
  before(async () => {
    await session().workbench.ensureOpen();
  });

  it('goes from the password box to the endpoint, and clearing it falls back to the environment key', async function () {
    this.timeout(120_000);
    const { workbench } = session();
    const page = workbench.page;
    const toast = (text: string | RegExp) => page.locator('.notification-toast', { hasText: text }).first();
    const typeKey = async (key: string) => {
      await workbench.palette('OProver: Set API Key');
      const input = page.locator('.quick-input-widget input[type="password"]');
      await input.waitFor({ timeout: 10_000 });
      await input.fill(key);
      await workbench.screenshot(key ? '23-api-key-box' : '25-api-key-box-empty');
      await page.keyboard.press('Enter');
    };

    await workbench.dismissNotifications();
    await typeKey(TYPED_KEY);
    await toast('API key stored in SecretStorage').waitFor({ timeout: 15_000 });
    const before = (await received()).length;
    await workbench.palette('OProver: Test Connection');
    await toast('rejected the API key').waitFor({ timeout: 30_000 });
    assert.match(await toast('rejected the API key').innerText(), /run OProver: Set API Key/);
    const asked = (await received()).slice(before);
    assert.ok(asked.length > 0, 'Test Connection reached the endpoint');
    assert.ok(asked.every((r) => r.authorization === `Bearer ${TYPED_KEY}`), `every request carried the typed key: ${JSON.stringify(asked)}`);
    await workbench.screenshot('24-api-key-rejected');

    await workbench.dismissNotifications();
    await typeKey('');
    await toast('API key removed').waitFor({ timeout: 15_000 });
    const after = (await received()).length;
    await workbench.palette('OProver: Test Connection');
    await until('the connection to be reported reachable', async () => ((await toast(/oprover-test/).isVisible().catch(() => false)) ? true : undefined), 30_000);
    const again = (await received()).slice(after);
    assert.ok(again.length > 0 && again.every((r) => r.authorization !== `Bearer ${TYPED_KEY}`), 'the removed key is sent no more');
    await workbench.dismissNotifications();
  });
});
