package dev.roachkit.testkit;

/** Reaches the test server's package-private factories, to test what db-test does with servers that fail. */
public final class Servers {
    private Servers() {
    }

    /**
     * @param url a libpq URL
     * @return a server description for it, as DB_TEST_URL would give, without connecting
     */
    public static TestServer fromTestUrl(String url) {
        return TestServer.fromUrl(url, "url");
    }

    /**
     * @return the message the CockroachDB engine gives where it cannot run, or null when it started
     */
    public static String cockroachUnavailableMessage() {
        try {
            CockroachContainerServer.start();
            return null;
        } catch (TestServer.ServerUnavailable e) {
            return e.getMessage();
        }
    }
}
