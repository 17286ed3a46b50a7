package dev.roachkit.test;

import dev.roachkit.testkit.TestServer;

/** Names the test server in messages, without credentials, with what to do when it fails. */
final class Engines {
    private Engines() {
    }

    static String describe(TestServer server) {
        return switch (server.kind()) {
            case "url" -> "The test server in DB_TEST_URL (" + server.host() + ":" + server.port() + ")";
            case "cockroach" -> "The CockroachDB test container (" + server.host() + ":" + server.port() + ")";
            default -> "The embedded PostgreSQL (" + server.host() + ":" + server.port() + ")";
        };
    }

    static String fixHint(TestServer server) {
        return server.kind().equals("url")
                ? ". Fix: start that server or correct DB_TEST_URL (its user needs CREATE DATABASE), or unset"
                        + " DB_TEST_URL to test on the embedded PostgreSQL."
                : "";
    }
}
