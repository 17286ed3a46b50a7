package dev.roachkit.test;

/** How far the tests of a {@link RoachkitTest} class are kept apart. */
public enum Isolation {
    /** One database for the whole class, created before its first test and dropped after its last. */
    CLASS,
    /**
     * A fresh migrated database for every test. On PostgreSQL it is a copy of a database migrated
     * once per class ({@code CREATE DATABASE ... TEMPLATE}), so a test costs a file copy rather than a
     * migration; on CockroachDB, which has no templates, it is created and migrated for every test.
     */
    METHOD
}
