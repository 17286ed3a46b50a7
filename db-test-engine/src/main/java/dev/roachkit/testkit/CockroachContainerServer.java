package dev.roachkit.testkit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.CockroachContainer;

/**
 * CockroachDB in a Testcontainers container, for {@code mvn -Pcockroach}. Where no Docker
 * engine answers, reports the server as unavailable so the tests skip instead of failing.
 */
final class CockroachContainerServer {
    static final String IMAGE = "cockroachdb/cockroach:v24.1.3";
    /** System property naming another CockroachDB image, for example {@code cockroachdb/cockroach:v25.2.2}. */
    static final String IMAGE_PROPERTY = "roachkit.test.cockroach.image";

    private CockroachContainerServer() {
    }

    static TestServer start() throws TestServer.ServerUnavailable {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        if (!docker) {
            throw new TestServer.ServerUnavailable("-Pcockroach (-Droachkit.test.engine=cockroach) asks for CockroachDB in a Docker container, but no"
                    + " Docker engine is available here: integration tests are skipped. Run them against a"
                    + " CockroachDB you started yourself with DB_TEST_URL=postgresql://root@localhost:26257/defaultdb"
                    + "?sslmode=disable, or without -Pcockroach on the embedded PostgreSQL.");
        }
        @SuppressWarnings("resource") // stopped by Testcontainers' Ryuk when the JVM exits
        CockroachContainer crdb = new CockroachContainer(System.getProperty(IMAGE_PROPERTY, IMAGE));
        crdb.start();
        return TestServer.fromUrl("postgresql://root@" + crdb.getHost() + ":" + crdb.getMappedPort(26257)
                + "/defaultdb?sslmode=disable", "cockroach");
    }
}
