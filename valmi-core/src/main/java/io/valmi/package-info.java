/**
 * The public API of valmi: describe a sync ({@link io.valmi.SyncJob}: a {@link io.valmi.Source}, a
 * {@link io.valmi.Destination} and a {@link io.valmi.Mapping}) and run it with {@link io.valmi.SyncRunner}.
 *
 * <p>Everything in this package is null-hostile unless a parameter or return value is marked
 * {@link org.jspecify.annotations.Nullable}.
 */
@NullMarked
package io.valmi;

import org.jspecify.annotations.NullMarked;
