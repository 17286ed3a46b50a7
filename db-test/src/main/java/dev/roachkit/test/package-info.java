/**
 * roachkit's test kit for applications: {@link dev.roachkit.test.RoachkitTest} gives a JUnit 5 test
 * class a fresh database migrated from the application's schema files, injected as a
 * {@link dev.roachkit.core.Database}; {@link dev.roachkit.test.TestDb} adds the fault tools
 * ({@link dev.roachkit.test.RestartInjection}, {@link dev.roachkit.testkit.FaultProxy}).
 */
package dev.roachkit.test;
