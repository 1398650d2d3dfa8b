import assert from 'node:assert/strict';
import { SessionCookies } from '../../../nodes/core/session-cookies';

/** Lets every settled promise's callbacks run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('core/session-cookies', () => {
  let t = 0;
  const now = (): number => t;
  beforeEach(() => {
    t = 1_000_000;
  });

  it('lets one request open the session while the others wait, then sends its cookie', async () => {
    const s = new SessionCookies({ idleMs: 60_000, now });
    const opener = await s.begin();
    assert.deepEqual(opener.headers, {});
    let waited = false;
    const second = s.begin().then((ticket) => {
      waited = true;
      return ticket;
    });
    await flush();
    assert.equal(waited, false);
    opener.done(200, ['syracuse.sid=abc; Path=/; HttpOnly']);
    const ticket = await second;
    assert.deepEqual(ticket.headers, { Cookie: 'syracuse.sid=abc' });
    assert.deepEqual(s.secrets(), ['abc']);
  });

  it('a server that sets no cookie makes nobody wait after the first answer', async () => {
    const s = new SessionCookies({ idleMs: 60_000, now });
    const opener = await s.begin();
    const waiting = s.begin();
    opener.done(200, undefined);
    assert.deepEqual((await waiting).headers, {});
    // no new opener: both go at once
    const [a, b] = await Promise.all([s.begin(), s.begin()]);
    assert.deepEqual([a.headers, b.headers], [{}, {}]);
  });

  it('an opener that failed hands the opening to the next request', async () => {
    const s = new SessionCookies({ idleMs: 60_000, now });
    const opener = await s.begin();
    const next = s.begin();
    const third = s.begin();
    opener.done(0, undefined);
    const second = await next;
    let thirdStarted = false;
    void third.then(() => (thirdStarted = true));
    await flush();
    assert.equal(thirdStarted, false, 'the second request opens alone');
    second.done(200, ['syracuse.sid=xyz']);
    assert.deepEqual((await third).headers, { Cookie: 'syracuse.sid=xyz' });
  });

  it('drops a cookie refused with 401, and one unused longer than idleMs', async () => {
    const s = new SessionCookies({ idleMs: 60_000, now });
    (await s.begin()).done(200, ['syracuse.sid=one']);
    const refused = await s.begin();
    assert.equal(refused.headers.Cookie, 'syracuse.sid=one');
    refused.done(401, undefined);
    assert.equal(s.active, false);
    (await s.begin()).done(200, ['syracuse.sid=two']);
    t += 60_001;
    const after = await s.begin();
    assert.deepEqual(after.headers, {}, 'idle too long: a new session is opened');
    assert.equal(s.active, false);
  });
});
