/** The lock and journal key of a proxy on a chain: one run at a time per key. */
export function targetKeyOf(chainId: number, proxy: string): string {
  return `${chainId}-${proxy.toLowerCase()}`;
}
