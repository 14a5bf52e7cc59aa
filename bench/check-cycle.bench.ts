export async function benchCheckCycle(_s: readonly number[]): Promise<void> {}
