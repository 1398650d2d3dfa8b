import { strict as assert } from 'assert';
import { connect } from 'net';
import { checkJob, startPrinterSim, type PrinterSim } from '../../../sim/printer/server';

const ZPL = '^XA^FO50,50^ADN,36,20^FD794600000001^FS^XZ';

function rawSend(port: number, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.end(text));
    s.on('data', () => undefined);
    s.on('close', () => resolve());
    s.on('error', reject);
  });
}

describe('printer sim: raw TCP 9100', () => {
  let sim: PrinterSim;
  beforeEach(async () => {
    sim = await startPrinterSim({ port: 0, httpPort: 0, now: () => Date.parse('2025-03-01T12:00:00Z') });
  });
  afterEach(() => sim.close());

  it('checks each job is made of complete ^XA ... ^XZ formats (or EPL2 forms ending in P)', () => {
    assert.deepEqual(checkJob(ZPL), { language: 'zpl', labels: 1, complete: true });
    assert.deepEqual(checkJob(`${ZPL}\n${ZPL}\n`), { language: 'zpl', labels: 2, complete: true });
    assert.equal(checkJob('^XA^FO50,50^FDcut off').complete, false);
    assert.equal(checkJob(`^XA^FDa^XA^FDb^XZ`).complete, false);
    assert.equal(checkJob(`${ZPL} trailing`).complete, false);
    assert.deepEqual(checkJob('N\nA50,0,0,1,1,1,N,"x"\nP1'), { language: 'epl', labels: 1, complete: true });
    assert.equal(checkJob('N\nA50,0,0,1,1,1,N,"x"').complete, false);
  });

  it('counts one job per connection, complete or not, and reports them over /__sim/state', async () => {
    await rawSend(sim.port, ZPL);
    await rawSend(sim.port, '^XA^FDhalf');
    const jobs = await sim.waitForJobs(2);
    assert.deepEqual(
      jobs.map((j) => j.complete),
      [true, false],
    );
    assert.equal(sim.printed().length, 1);
    assert.equal(jobs[0].at, '2025-03-01T12:00:00.000Z');
    const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as { connections: number; jobs: unknown[] };
    assert.equal(state.connections, 2);
    assert.equal(state.jobs.length, 2);
  });

  it('offline refuses connections; resetNext resets them; hold keeps a job open until release', async () => {
    await sim.config({ offline: true });
    await assert.rejects(rawSend(sim.port, ZPL), /ECONNREFUSED/);
    await sim.config({ offline: false, resetNext: 1 });
    await rawSend(sim.port, ZPL).catch(() => undefined);
    assert.equal(sim.jobs().length, 0);
    await sim.config({ hold: true });
    const sent = rawSend(sim.port, ZPL);
    await sim.nextConnection();
    assert.equal(sim.jobs().length, 0);
    sim.release();
    await sent;
    assert.equal(sim.printed().length, 1);
  });
});
