package org.asyncparallel;

/**
 * How far a {@link Pool}'s maps have come, as {@link Pool#progress()} reports it.
 *
 * @param done items whose results are back
 * @param total all the items, or {@code -1} while the input has not been read to its end
 * @param itemsPerSecond {@code done} divided by the seconds since the map started
 */
public record Progress(long done, long total, double itemsPerSecond) {
  /** Nothing done, nothing known: the progress of a pool that has not mapped anything yet. */
  public static final Progress NONE = new Progress(0, 0, 0);

  /** True once the number of items is known. */
  public boolean totalKnown() {
    return total >= 0;
  }

  /** {@code done / total} between 0 and 1, or {@code NaN} while the total is not known. */
  public double fraction() {
    if (total < 0) {
      return Double.NaN;
    }
    return total == 0 ? 1 : (double) done / total;
  }
}
