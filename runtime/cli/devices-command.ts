/** Placeholder until wired. */
export async function devicesCommand(_args: string[]): Promise<number> {
  console.error("not implemented yet");
  return 2;
}
