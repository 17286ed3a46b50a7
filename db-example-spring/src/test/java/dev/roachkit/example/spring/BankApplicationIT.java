package dev.roachkit.example.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The Spring Boot bank, started as its main does, runs its demo with the total unchanged. */
class BankApplicationIT {
    private static TestServer server;
    private static String name;

    @BeforeAll
    static void create() {
        server = TestServer.get(); // skips the class, with the reason, where no test server can run
        name = "bank_spring_" + Long.toString(System.nanoTime(), 36);
        server.createDatabase(name);
    }

    @AfterAll
    static void drop() {
        if (name != null) {
            server.dropDatabase(name);
        }
    }

    @Test
    void theDemoKeepsTheTotalWithNoFailedTransfer() throws Exception {
        try (ConfigurableApplicationContext ctx = SpringApplication.run(BankApplication.class,
                "--roachkit.url=" + server.url(name), "--bank.demo.enabled=false")) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int code = ctx.getBean(BankDemo.class).run(8, 25, new PrintStream(buf, true, StandardCharsets.UTF_8));
            String out = buf.toString(StandardCharsets.UTF_8);
            System.out.println(out);
            assertThat(code).as(out).isZero();
            assertThat(out).contains("(unchanged)").contains(" 0 failed").contains("health UP");
        }
    }
}
