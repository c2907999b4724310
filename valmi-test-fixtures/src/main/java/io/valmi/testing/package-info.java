/**
 * Test helpers for valmi and for people who write destinations: a real PostgreSQL for every JUnit 5 test
 * class ({@link io.valmi.testing.WithPostgres}), and test destinations.
 */
@NullMarked
package io.valmi.testing;

import org.jspecify.annotations.NullMarked;
