/** Placeholder until wired. */
export async function demoCommand(_args: string[]): Promise<number> {
  console.error("not implemented yet");
  return 2;
}
