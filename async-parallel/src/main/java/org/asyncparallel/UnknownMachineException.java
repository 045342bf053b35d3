package org.asyncparallel;

import java.util.List;

/** A {@link Where} named a machine that is not in the runtime's {@link Cluster}. */
public class UnknownMachineException extends ParallelException {
  private static final long serialVersionUID = 1L;
  private final String machine;

  /**
   * @param machine the name that was asked for
   * @param known the machines of the cluster
   */
  public UnknownMachineException(String machine, List<String> known) {
    super("unknown machine '" + machine + "': the cluster's machines are " + known);
    this.machine = machine;
  }

  /** The machine name that is not in the cluster. */
  public String machine() {
    return machine;
  }
}
