import { strict as assert } from 'assert';
import type { X3Sim } from '../../../sim/x3/server';
import { rest, startTestSim, type Clock, type HttpResult } from './x3-helpers';

interface QueryPage {
  $itemsPerPage: number;
  $resources: Array<Record<string, unknown>>;
  $links: { $next?: { $url: string }; $last?: { $url: string } };
}
interface Diag {
  $diagnoses: Array<{ $severity: string; $message: string }>;
}

function seed(sim: X3Sim): void {
  // 9 deliveries over 3 seconds, keys deliberately not in stamp order
  const stamps = [
    '10:00:02',
    '10:00:00',
    '10:00:01',
    '10:00:01',
    '10:00:02',
    '10:00:00',
    '10:00:01',
    '10:00:02',
    '10:00:01',
  ];
  stamps.forEach((s, i) => {
    const stamp = `2025-01-31T${s}Z`;
    sim.store.insert(
      'salesDelivery',
      {
        SDHNUM: `SD~${i + 1}`,
        STOFCY: 'NA011',
        BPCORD: i % 2 ? 'C2' : "C'1",
        CFMFLG: 1,
        PACNBR: i,
        CREDATTIM: stamp,
        UPDDATTIM: stamp,
        BPDADDLIG: ['1 Main', 'Suite 2'],
      },
      { via: 'sim', trusted: true },
    );
  });
}

async function followAll(sim: X3Sim, first: string): Promise<{ keys: string[]; pages: number; pageSizes: number[] }> {
  const keys: string[] = [];
  const pageSizes: number[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    const res: HttpResult<QueryPage> = await rest<QueryPage>(sim, 'GET', url);
    assert.equal(res.status, 200, res.text);
    keys.push(...res.json.$resources.map((r) => String(r.SDHNUM)));
    pageSizes.push(res.json.$itemsPerPage);
    url = res.json.$links.$next?.$url;
    pages++;
    assert.ok(pages < 50, 'paging does not terminate');
  }
  return { keys, pages, pageSizes };
}

describe('X3 sim: REST api1 face', () => {
  let sim: X3Sim;
  let clock: Clock;
  beforeEach(async () => {
    ({ sim, clock } = await startTestSim({ records: { customer: 2, product: 2 } }));
    seed(sim);
  });
  afterEach(() => sim.close());

  it('pages with $links.$next honouring orderBy UPDDATTIM then key across shared seconds', async () => {
    const where = encodeURIComponent('UPDDATTIM ge @2025-01-31T10:00:01Z@');
    const orderBy = encodeURIComponent('UPDDATTIM asc, SDHNUM asc');
    const { keys, pages } = await followAll(
      sim,
      `SDELIVERY?representation=SDELIVERY.$query&where=${where}&orderBy=${orderBy}&count=2`,
    );
    assert.deepEqual(keys, ['SD~3', 'SD~4', 'SD~7', 'SD~9', 'SD~1', 'SD~5', 'SD~8']);
    assert.equal(pages, 4);
  });

  it('uses key=gt.<lastKey> with the default key order and reports the page size', async () => {
    const res = await rest<QueryPage>(sim, 'GET', 'SDELIVERY?representation=SDELIVERY.$query&count=4');
    assert.equal(res.json.$itemsPerPage, 4);
    assert.deepEqual(
      res.json.$resources.map((r) => r.SDHNUM),
      ['SD~1', 'SD~2', 'SD~3', 'SD~4'],
    );
    const next = new URL(res.json.$links.$next!.$url);
    assert.equal(next.searchParams.get('key'), 'gt.SD%7E4', 'a ~ inside a value is escaped');
    const { keys } = await followAll(sim, res.json.$links.$next!.$url);
    assert.deepEqual(keys, ['SD~5', 'SD~6', 'SD~7', 'SD~8', 'SD~9']);
    const last = await rest<QueryPage>(sim, 'GET', res.json.$links.$last!.$url);
    assert.deepEqual(
      last.json.$resources.map((r) => r.SDHNUM),
      ['SD~6', 'SD~7', 'SD~8', 'SD~9'],
    );
  });

  it('defaults to 20 per page and caps count at restMaxPageSize', async () => {
    const dflt = await rest<QueryPage>(sim, 'GET', 'SDELIVERY?representation=SDELIVERY.$query');
    assert.equal(dflt.json.$itemsPerPage, 20);
    sim.config.restMaxPageSize = 3;
    const { pageSizes, keys } = await followAll(sim, 'SDELIVERY?representation=SDELIVERY.$query&count=100');
    assert.deepEqual(pageSizes, [3, 3, 3]);
    assert.equal(keys.length, 9);
  });

  it('evaluates where clauses: quotes, and/or/not, in, numbers, date literals', async () => {
    const q = async (where: string): Promise<string[]> => {
      const res = await rest<QueryPage>(
        sim,
        'GET',
        `SDELIVERY?representation=SDELIVERY.$query&count=100&where=${encodeURIComponent(where)}`,
      );
      assert.equal(res.status, 200, res.text);
      return res.json.$resources.map((r) => String(r.SDHNUM));
    };
    assert.deepEqual(await q("BPCORD eq 'C''1' and PACNBR gt 4"), ['SD~7', 'SD~9']);
    assert.deepEqual(await q("not (BPCORD eq 'C2') and (PACNBR lt 1 or PACNBR ge 8)"), ['SD~1', 'SD~9']);
    assert.deepEqual(await q("SDHNUM in ('SD~2', 'SD~3') or UPDDATTIM lt @2025-01-31T10:00:00Z@"), ['SD~2', 'SD~3']);
    assert.deepEqual(await q("UPDDATTIM eq '2025-01-31T10:00:00.000Z'"), ['SD~2', 'SD~6']);
    const bad = await rest<Diag>(
      sim,
      'GET',
      `SDELIVERY?representation=SDELIVERY.$query&where=${encodeURIComponent('PACNBR eq')}`,
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.json.$diagnoses[0].$severity, 'error');
    const unknown = await rest<Diag>(
      sim,
      'GET',
      `SDELIVERY?representation=SDELIVERY.$query&where=${encodeURIComponent("NOPE eq 'x'")}`,
    );
    assert.match(unknown.json.$diagnoses[0].$message, /unknown property 'NOPE'/);
  });

  it('returns $details with $uuid, $etag, arrays and lines', async () => {
    const res = await rest(sim, 'GET', `SDELIVERY('${encodeURIComponent('SD~1')}')?representation=SDELIVERY.$details`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.SDHNUM, 'SD~1');
    assert.equal(res.json.$etag, '2025-01-31T10:00:02Z');
    assert.equal(typeof res.json.$uuid, 'string');
    assert.deepEqual(res.json.BPDADDLIG, ['1 Main', 'Suite 2', '']);
    assert.deepEqual(res.json.SDELIVERYD, []);
    const missing = await rest<Diag>(sim, 'GET', `SDELIVERY('NOPE')?representation=SDELIVERY.$details`);
    assert.equal(missing.status, 404);
    assert.match(missing.json.$diagnoses[0].$message, /does not exist/);
  });

  it('updates a class-based entity with PUT $edit (changed fields only) and creates with POST $create', async () => {
    clock.advance(5000);
    const put = await rest(sim, 'PUT', `BPCUSTOMER('C000001')?representation=BPCUSTOMER.$edit`, {
      TEL: '+1 312 555 0100',
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.TEL, '+1 312 555 0100');
    assert.equal(put.json.UPDDATTIM, '2025-01-31T10:00:05Z');
    assert.equal(put.json.BPCNAM, sim.store.get('customer', 'C000001')?.values.BPCNAM);

    const post = await rest(sim, 'POST', 'ITMMASTER?representation=ITMMASTER.$create', {
      ITMREF: 'NEW-1',
      DES1AXX: 'Widget "XL" & <co>',
      BASPRI: 12.5,
    });
    assert.equal(post.status, 201, post.text);
    assert.match(
      post.headers.get('location') ?? '',
      /\/api1\/x3\/erp\/SEED\/ITMMASTER\('NEW-1'\)\?representation=ITMMASTER\.\$details$/,
    );
    const back = await rest(sim, 'GET', post.headers.get('location')!);
    assert.equal(back.json.DES1AXX, 'Widget "XL" & <co>');
    assert.equal(back.json.ITMSTA, 1);

    const readOnly = await rest<Diag>(sim, 'PUT', `ITMMASTER('NEW-1')?representation=ITMMASTER.$edit`, {
      UPDDATTIM: '2020-01-01T00:00:00Z',
    });
    assert.equal(readOnly.status, 400);
    assert.match(readOnly.json.$diagnoses[0].$message, /UPDDATTIM: field not modifiable/);
    const missingMandatory = await rest<Diag>(sim, 'POST', 'BPCUSTOMER?representation=BPCUSTOMER.$create', {
      BPCNUM: 'X1',
    });
    assert.match(missingMandatory.json.$diagnoses[0].$message, /BPCNAM: mandatory field/);
    assert.deepEqual(
      sim.logs.writes.filter((w) => w.via === 'rest').map((w) => [w.entity, w.operation]),
      [
        ['customer', 'update'],
        ['product', 'create'],
      ],
    );
  });

  it('refuses classic-object writes (SORDER, SDELIVERY, PORDER) unless the knob is off', async () => {
    const before = sim.store.get('salesDelivery', 'SD~1')!.values.UPDDATTIM;
    const put = await rest<Diag>(
      sim,
      'PUT',
      `SDELIVERY('${encodeURIComponent('SD~1')}')?representation=SDELIVERY.$edit`,
      { YTRACKNUM: '7946' },
    );
    assert.equal(put.status, 400);
    assert.match(put.json.$diagnoses[0].$message, /SDELIVERY: the representation SDELIVERY is not based on a class/);
    const post = await rest<Diag>(sim, 'POST', 'SORDER?representation=SORDER.$create', { BPCORD: 'C000001' });
    assert.equal(post.status, 400);
    const proto = await rest<Diag>(sim, 'GET', `PORDER/$prototypes('PORDER.$create')`);
    assert.equal(proto.status, 400);
    assert.equal(sim.store.get('salesDelivery', 'SD~1')!.values.YTRACKNUM, '');
    assert.equal(sim.store.get('salesDelivery', 'SD~1')!.values.UPDDATTIM, before);

    const okProto = await rest<{ $properties: Record<string, Record<string, unknown>> }>(
      sim,
      'GET',
      `BPCUSTOMER/$prototypes('BPCUSTOMER.$create')`,
    );
    assert.equal(okProto.status, 200);
    assert.equal(okProto.json.$properties.BPCNAM.$isMandatory, true);
    assert.equal(okProto.json.$properties.BPCNAM.$maxLength, 35);

    sim.config.refuseClassicRestWrites = false;
    const allowed = await rest(
      sim,
      'PUT',
      `SDELIVERY('${encodeURIComponent('SD~1')}')?representation=SDELIVERY.$edit`,
      { YTRACKNUM: '7946' },
    );
    assert.equal(allowed.status, 200);
    assert.equal(allowed.json.YTRACKNUM, '7946');
  });

  it('checks representations and restricts query columns when configured', async () => {
    const restricted = (
      await startTestSim({
        restRepresentations: { SDELIVERY: { SDELIVERY: { queryColumns: ['BPCORD', 'SHIDAT'] }, ZSDELIVERY: {} } },
      })
    ).sim;
    try {
      seed(restricted);
      const std = await rest<QueryPage>(restricted, 'GET', 'SDELIVERY?representation=SDELIVERY.$query&count=1');
      assert.deepEqual(Object.keys(std.json.$resources[0]).sort(), ['$uuid', 'BPCORD', 'SDHNUM', 'SHIDAT']);
      const noStamp = await rest<Diag>(
        restricted,
        'GET',
        `SDELIVERY?representation=SDELIVERY.$query&orderBy=${encodeURIComponent('UPDDATTIM asc')}`,
      );
      assert.equal(noStamp.status, 400);
      const custom = await rest<QueryPage>(
        restricted,
        'GET',
        `SDELIVERY?representation=ZSDELIVERY.$query&orderBy=${encodeURIComponent('UPDDATTIM desc')}&count=1`,
      );
      assert.equal(custom.status, 200);
      assert.equal(custom.json.$resources[0].UPDDATTIM, '2025-01-31T10:00:02Z');
      const wrong = await rest<Diag>(restricted, 'GET', 'SDELIVERY?representation=SORDER.$query');
      assert.equal(wrong.status, 404);
      const folder = await rest<Diag>(
        restricted,
        'GET',
        '/api1/x3/erp/OTHER/SDELIVERY?representation=SDELIVERY.$query',
      );
      assert.equal(folder.status, 404);
    } finally {
      await restricted.close();
    }
  });
});
