/** One figure a benchmark reports. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. ">= 5000" */
  target?: string;
  pass?: boolean;
}
