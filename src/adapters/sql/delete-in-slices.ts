/** Rows per DELETE: small enough that one slice holds SQLite's single thread for a few milliseconds. */
export const PRUNE_SLICE = 1000;

/**
 * Runs `deleteSlice` (which deletes at most PRUNE_SLICE rows and says how many) until a slice
 * comes back short, yielding between slices: one huge DELETE would stall every request
 * behind it. Returns the total deleted.
 */
export async function deleteInSlices(deleteSlice: () => Promise<number>): Promise<number> {
  let deleted = 0;
  for (;;) {
    const slice = await deleteSlice();
    deleted += slice;
    if (slice < PRUNE_SLICE) return deleted;
    await new Promise((resume) => setImmediate(resume));
  }
}
