/**
 * 12-digit FedEx Express-style tracking numbers with the mod-11 check digit (weights 1,3,7 from the
 * right), the format FedEx uses for Express and most Ground labels created through the Ship API.
 * Verified against the sandbox mock numbers 568838414941, 797615467620, 581190049992.
 */

export function checkDigit(first11: string): number {
  const weights = [1, 3, 7];
  let sum = 0;
  const digits = first11.split('').reverse();
  digits.forEach((d, i) => {
    sum += Number(d) * weights[i % 3];
  });
  const c = sum % 11;
  return c === 10 ? 0 : c;
}

export function isValidTrackingNumber12(n: string): boolean {
  return /^\d{12}$/.test(n) && checkDigit(n.slice(0, 11)) === Number(n[11]);
}

/**
 * Draws a fresh number not in `taken`. Prefix 79 for parcel (as in FedEx's examples 794953535000),
 * 7 followed by a different digit for LTL so the two are easy to tell apart in logs.
 */
export function newTrackingNumber(rng: () => number, taken: (n: string) => boolean, kind: 'parcel' | 'ltl'): string {
  for (;;) {
    const prefix = kind === 'parcel' ? '79' : '70';
    let body = prefix;
    while (body.length < 11) body += String(Math.floor(rng() * 10));
    const n = body + String(checkDigit(body));
    if (!taken(n)) return n;
  }
}
