import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stateFile } from '../../../nodes/core/state-file';
import {
  LockoutRegistry,
  acquireAuthGate,
  fileLockoutStore,
  releaseAuthGate,
  type LockoutStore,
} from '../../../nodes/fedex/auth-gate';

const TEN_MIN = 10 * 60_000;

describe('fedex/auth-gate lockout registry', () => {
  let t = 0;
  const now = (): number => t;
  let dir = '';
  beforeEach(() => {
    t = Date.UTC(2026, 0, 5, 12);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fx-gate-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a lockout outlives the last client of its host: a new gate starts shut until the end (simulated time)', () => {
    const registry = new LockoutRegistry();
    const first = acquireAuthGate('https://apis-sandbox.fedex.com', { now, registry });
    const start = t;
    first.lockUntil(start + TEN_MIN);
    releaseAuthGate(first); // a redeploy closes every client of the host

    t = start + 60_000;
    const second = acquireAuthGate('https://apis-sandbox.fedex.com/', { now, registry });
    try {
      assert.notEqual(second, first, 'the old gate was disposed');
      assert.equal(second.lockedUntil, start + TEN_MIN);
      t = start + TEN_MIN - 1;
      assert.equal(second.lockedUntil, start + TEN_MIN);
      t = start + TEN_MIN;
      assert.equal(second.lockedUntil, undefined, 'open once the lockout is over');
    } finally {
      releaseAuthGate(second);
    }
    // another host is not held back
    const other = acquireAuthGate('https://apis.fedex.com', { now, registry });
    t = start + 1;
    assert.equal(other.lockedUntil, undefined);
    releaseAuthGate(other);
  });

  it('a restart within the lockout honours it: the end is read back from the state file', () => {
    const file = stateFile<Record<string, number>>(dir, 'fedex', 'lockouts');
    const before = new LockoutRegistry();
    before.useStore(fileLockoutStore(file));
    const gate = acquireAuthGate('https://apis.fedex.com', { now, registry: before });
    gate.lockUntil(t + TEN_MIN);
    releaseAuthGate(gate);
    assert.deepEqual(file.read(), { 'https://apis.fedex.com': t + TEN_MIN });

    // a new process: a fresh registry reading the same file
    const after = new LockoutRegistry();
    after.useStore(fileLockoutStore(file));
    t += 5 * 60_000;
    const again = acquireAuthGate('https://apis.fedex.com', { now, registry: after });
    try {
      assert.equal(again.lockedUntil, t + 5 * 60_000);
    } finally {
      releaseAuthGate(again);
    }
    after.clear();
    assert.equal(fs.existsSync(file.path), false, 'no file while no lockout runs');
  });

  it('keeps only running lockouts (one entry per locked-out host at most)', () => {
    const saved: Array<Record<string, number>> = [];
    const store: LockoutStore = { load: () => ({}), save: (e) => void saved.push({ ...e }) };
    const registry = new LockoutRegistry();
    registry.useStore(store);
    for (let i = 0; i < 50; i++) {
      registry.record(`https://host-${i}.example`, t + 1000, t);
      t += 2000; // each has ended before the next one starts
    }
    assert.deepEqual(Object.keys(saved[saved.length - 1]), ['https://host-49.example']);
    assert.equal(registry.endOf('https://host-48.example', t), undefined);
    // a later end wins, an earlier one never shortens it
    registry.record('https://a.example', t + 5000, t);
    registry.record('https://a.example', t + 1000, t);
    assert.equal(registry.endOf('https://a.example', t), t + 5000);
  });
});
