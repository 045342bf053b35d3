package org.asyncparallel;

import java.io.Serializable;

/** A {@link Runnable} that can travel to another process. */
@FunctionalInterface
public interface SerializableRunnable extends Runnable, Serializable {}
