package io.valmi;

/** Why a source row is invalid and never sent. */
public enum InvalidReason {
    /** The key column is NULL. */
    NULL_KEY,
    /** Another row has the same key; every row of that key is held back until the key is unique again. */
    DUPLICATE_KEY
}
