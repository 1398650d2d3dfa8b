import assert from 'node:assert/strict';
import { DateTime } from 'luxon';
import { PACIFIC, pacificToUtcIso, toEpochMs, toUtcIso, utcToPacific } from '../../../nodes/core/time';

describe('core/time', () => {
  it('names the Pacific zone', () => {
    assert.equal(PACIFIC, 'America/Los_Angeles');
  });

  describe('pacificToUtcIso', () => {
    it('converts winter (PST, UTC-8) and summer (PDT, UTC-7) wall times', () => {
      assert.equal(pacificToUtcIso('2026-01-15T09:00:00'), '2026-01-15T17:00:00.000Z');
      assert.equal(pacificToUtcIso('2026-07-15T09:00:00'), '2026-07-15T16:00:00.000Z');
      assert.equal(pacificToUtcIso('2026-12-31T20:30:00'), '2027-01-01T04:30:00.000Z');
    });

    it('reads ShipStation V1 7-digit fractions (keeps the milliseconds)', () => {
      assert.equal(pacificToUtcIso('2026-01-15T09:00:00.0000000'), '2026-01-15T17:00:00.000Z');
      assert.equal(pacificToUtcIso('2026-07-15T09:00:00.1234567'), '2026-07-15T16:00:00.123Z');
      assert.equal(pacificToUtcIso(' 2026-07-15T09:00:00.9999999 '), '2026-07-15T16:00:00.999Z');
    });

    describe('2026-03-08, clocks jump from 02:00 PST to 03:00 PDT', () => {
      it('converts the times around the gap', () => {
        assert.equal(pacificToUtcIso('2026-03-08T01:30:00'), '2026-03-08T09:30:00.000Z');
        assert.equal(pacificToUtcIso('2026-03-08T01:59:59.9999999'), '2026-03-08T09:59:59.999Z');
        assert.equal(pacificToUtcIso('2026-03-08T03:00:00'), '2026-03-08T10:00:00.000Z');
        assert.equal(pacificToUtcIso('2026-03-08T03:30:00'), '2026-03-08T10:30:00.000Z');
      });

      it('moves a time in the skipped hour forward by an hour, whatever the fold', () => {
        assert.equal(pacificToUtcIso('2026-03-08T02:00:00'), '2026-03-08T10:00:00.000Z');
        assert.equal(pacificToUtcIso('2026-03-08T02:30:00'), '2026-03-08T10:30:00.000Z');
        assert.equal(pacificToUtcIso('2026-03-08T02:30:00', 'later'), '2026-03-08T10:30:00.000Z');
        assert.equal(pacificToUtcIso('2026-03-08T02:59:59.5000000'), '2026-03-08T10:59:59.500Z');
      });
    });

    describe('2026-11-01, clocks fall back from 02:00 PDT to 01:00 PST', () => {
      it('the repeated hour: earlier fold is PDT (default), later fold is PST', () => {
        assert.equal(pacificToUtcIso('2026-11-01T01:30:00'), '2026-11-01T08:30:00.000Z');
        assert.equal(pacificToUtcIso('2026-11-01T01:30:00', 'earlier'), '2026-11-01T08:30:00.000Z');
        assert.equal(pacificToUtcIso('2026-11-01T01:30:00', 'later'), '2026-11-01T09:30:00.000Z');
        assert.equal(pacificToUtcIso('2026-11-01T01:00:00', 'earlier'), '2026-11-01T08:00:00.000Z');
        assert.equal(pacificToUtcIso('2026-11-01T01:00:00', 'later'), '2026-11-01T09:00:00.000Z');
        assert.equal(pacificToUtcIso('2026-11-01T01:59:59.9990000', 'earlier'), '2026-11-01T08:59:59.999Z');
        assert.equal(pacificToUtcIso('2026-11-01T01:59:59.9990000', 'later'), '2026-11-01T09:59:59.999Z');
      });

      it('times outside the repeated hour have one answer for both folds', () => {
        for (const fold of ['earlier', 'later'] as const) {
          assert.equal(pacificToUtcIso('2026-11-01T00:59:59', fold), '2026-11-01T07:59:59.000Z');
          assert.equal(pacificToUtcIso('2026-11-01T02:00:00', fold), '2026-11-01T10:00:00.000Z');
          assert.equal(pacificToUtcIso('2026-11-01T02:30:00', fold), '2026-11-01T10:30:00.000Z');
        }
      });
    });

    it('round-trips every quarter hour across both transition days through utcToPacific', () => {
      for (const day of ['2026-03-07T12:00:00Z', '2026-10-31T12:00:00Z']) {
        const start = Date.parse(day);
        for (let t = start; t < start + 36 * 3_600_000; t += 15 * 60_000) {
          const wall = utcToPacific(t, "yyyy-MM-dd'T'HH:mm:ss.SSS");
          const back = [pacificToUtcIso(wall, 'earlier'), pacificToUtcIso(wall, 'later')];
          assert.ok(back.includes(new Date(t).toISOString()), `${new Date(t).toISOString()} -> ${wall} -> ${back}`);
        }
      }
    });

    it('takes already-offset input as the instant it names', () => {
      assert.equal(pacificToUtcIso('2026-11-01T01:30:00-08:00'), '2026-11-01T09:30:00.000Z');
      assert.equal(pacificToUtcIso('2026-11-01T01:30:00-07:00', 'later'), '2026-11-01T08:30:00.000Z');
      assert.equal(pacificToUtcIso('2026-11-01T09:30:00Z'), '2026-11-01T09:30:00.000Z');
      assert.equal(pacificToUtcIso('2026-11-01T09:30:00.1234567z'), '2026-11-01T09:30:00.123Z');
      assert.equal(pacificToUtcIso('2026-11-01T01:30:00-0800'), '2026-11-01T09:30:00.000Z');
      assert.equal(pacificToUtcIso('2026-11-01T01:30:00-08'), '2026-11-01T09:30:00.000Z');
      assert.equal(pacificToUtcIso('2026-11-01T10:30:00+01:00'), '2026-11-01T09:30:00.000Z');
    });

    it('reads a date without a time as Pacific midnight (the date part is not an offset)', () => {
      assert.equal(pacificToUtcIso('2026-07-01'), '2026-07-01T07:00:00.000Z');
      assert.equal(pacificToUtcIso('2026-01-01'), '2026-01-01T08:00:00.000Z');
    });

    it('refuses text that is not a date-time, quoting it', () => {
      assert.throws(() => pacificToUtcIso('yesterday'), /not a date-time: "yesterday"/);
      assert.throws(() => pacificToUtcIso('2026-02-30T10:00:00'), /not a date-time/);
    });
  });

  describe('utcToPacific', () => {
    it('formats an instant as Pacific wall-clock text without an offset', () => {
      assert.equal(utcToPacific('2026-01-15T17:00:00Z'), '2026-01-15T09:00:00');
      assert.equal(utcToPacific('2026-07-15T16:00:00.000Z'), '2026-07-15T09:00:00');
      assert.equal(utcToPacific(new Date('2026-03-08T10:00:00Z')), '2026-03-08T03:00:00');
      assert.equal(utcToPacific(Date.parse('2026-03-08T09:59:59Z')), '2026-03-08T01:59:59');
    });

    it('gives both instants of the repeated hour the same wall time', () => {
      assert.equal(utcToPacific('2026-11-01T08:30:00Z'), '2026-11-01T01:30:00');
      assert.equal(utcToPacific('2026-11-01T09:30:00Z'), '2026-11-01T01:30:00');
    });

    it('takes a format, e.g. with the 7-digit fraction V1 uses', () => {
      assert.equal(
        utcToPacific('2026-07-15T16:00:00.123Z', "yyyy-MM-dd'T'HH:mm:ss.SSS'0000'"),
        '2026-07-15T09:00:00.1230000',
      );
      assert.equal(utcToPacific('2026-07-15T16:00:00Z', 'yyyy-MM-dd HH:mm'), '2026-07-15 09:00');
    });

    it('reads text without an offset as UTC', () => {
      assert.equal(utcToPacific('2026-01-15T17:00:00'), '2026-01-15T09:00:00');
    });
  });

  describe('toUtcIso / toEpochMs', () => {
    it('normalise any instant to UTC ISO with milliseconds', () => {
      assert.equal(toUtcIso('2026-01-15T09:00:00-08:00'), '2026-01-15T17:00:00.000Z');
      assert.equal(toUtcIso('2026-01-15T17:00:00'), '2026-01-15T17:00:00.000Z');
      assert.equal(toUtcIso('2026-01-15T17:00:00.1234567Z'), '2026-01-15T17:00:00.123Z');
      assert.equal(toUtcIso(new Date('2026-01-15T17:00:00Z')), '2026-01-15T17:00:00.000Z');
      assert.equal(toUtcIso(Date.parse('2026-01-15T17:00:00Z')), '2026-01-15T17:00:00.000Z');
      assert.equal(toUtcIso('2026-01-15T18:00:00+01'), '2026-01-15T17:00:00.000Z');
    });

    it('toEpochMs reads the same forms and throws on junk', () => {
      assert.equal(toEpochMs('2026-01-15T17:00:00Z'), Date.parse('2026-01-15T17:00:00Z'));
      assert.equal(toEpochMs('2026-01-15T09:00:00-08:00'), Date.parse('2026-01-15T17:00:00Z'));
      assert.equal(toEpochMs(1_700_000_000_000), 1_700_000_000_000);
      assert.throws(() => toEpochMs('not a date'), /not a date-time/);
      assert.throws(() => toEpochMs(new Date('invalid')), /not a date-time/);
    });

    it('toEpochMs reads the UTC ISO the pollers compare (read without luxon) exactly as luxon does', () => {
      for (const text of [
        '2026-11-01T08:59:59Z',
        '2026-11-01T09:00:00.000Z',
        '2026-02-28T23:59:59.999Z',
        '2028-02-29T12:00:00.5Z',
        '2026-01-01T24:00:00Z',
      ])
        assert.equal(toEpochMs(text), DateTime.fromISO(text, { setZone: true }).toMillis(), text);
      assert.throws(() => toEpochMs('2026-02-30T10:00:00Z'), /not a date-time/);
      assert.throws(() => toEpochMs('2026-04-31T10:00:00.000Z'), /not a date-time/);
      assert.throws(() => toEpochMs('2026-01-01T23:60:00Z'), /not a date-time/);
    });
  });
});
