/**
 * A whole number with thousands separators, as `toLocaleString('en-US')` writes it (`12,345`), without ICU: the
 * first number formatted through Intl touches ~7 MB of ICU data in the Node binary, resident from then on, and
 * the CLI prints its counts when a backup ends, at its peak memory (issue 13 point 20).
 */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const [whole, fraction] = String(Math.abs(n)).split('.');
  return `${sign}${whole!.replace(/\B(?=(\d{3})+$)/g, ',')}${fraction !== undefined ? `.${fraction}` : ''}`;
}
