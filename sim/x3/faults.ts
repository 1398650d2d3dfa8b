/** Fault injection and licence metering: deterministic (seeded) so tests can rely on them. */
import type { X3SimKnobs } from './config';

/** mulberry32: small, fast, deterministic PRNG. */
export function createPrng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private random: () => number;
  private seed: number;

  constructor(private readonly knobs: X3SimKnobs) {
    this.seed = knobs.randomSeed;
    this.random = createPrng(this.seed);
  }

  /** True when this API call should answer a 5xx (draws from the PRNG only when the rate is set). */
  shouldFail5xx(): boolean {
    if (this.knobs.randomSeed !== this.seed) {
      this.seed = this.knobs.randomSeed;
      this.random = createPrng(this.seed);
    }
    if (this.knobs.error5xxRate <= 0) return false;
    return this.random() < this.knobs.error5xxRate;
  }

  /** Consumes one "pool busy" answer if any are pending. */
  takePoolBusy(): boolean {
    if (this.knobs.soapPoolBusyCount <= 0) return false;
    this.knobs.soapPoolBusyCount--;
    return true;
  }

  reset(): void {
    this.seed = this.knobs.randomSeed;
    this.random = createPrng(this.seed);
  }
}

export type LicencePhase = 'ok' | 'grace' | 'refused';

/** WSSIZELIMIT / WSGRACELIMIT / WSPERIOD metering of SOAP data volume (reference section 5). */
export class LicenceMeter {
  private periodStart: number | undefined;
  private bytes = 0;

  constructor(
    private readonly knobs: X3SimKnobs,
    private readonly serverNow: () => number,
  ) {}

  private roll(): void {
    const now = this.serverNow();
    if (this.periodStart === undefined || now - this.periodStart >= this.knobs.licence.periodMs) {
      this.periodStart = now;
      this.bytes = 0;
    }
  }

  phase(): LicencePhase {
    const lic = this.knobs.licence;
    if (lic.sizeLimitBytes <= 0) return 'ok';
    this.roll();
    if (this.bytes > lic.sizeLimitBytes + lic.graceLimitBytes) return 'refused';
    if (this.bytes > lic.sizeLimitBytes) return 'grace';
    return 'ok';
  }

  add(bytes: number): void {
    if (this.knobs.licence.sizeLimitBytes <= 0) return;
    this.roll();
    this.bytes += bytes;
  }

  usedBytes(): number {
    return this.bytes;
  }

  reset(): void {
    this.periodStart = undefined;
    this.bytes = 0;
  }
}
