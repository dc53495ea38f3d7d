/** A p-value as every view prints it: three decimals, or scientific notation below 0.001. */
export function formatPValue(p: number): string {
  return p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}
