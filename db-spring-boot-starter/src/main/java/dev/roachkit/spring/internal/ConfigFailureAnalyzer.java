package dev.roachkit.spring.internal;

import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.core.DatabaseConnectionException;
import dev.roachkit.core.DatabaseException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a start-up failure of roachkit's into Spring Boot's "APPLICATION FAILED TO START"
 * report: the description is roachkit's message (property, origin, value, accepted form; never a
 * password), the action says where to fix it. Registered in {@code META-INF/spring.factories}.
 */
public final class ConfigFailureAnalyzer extends AbstractFailureAnalyzer<DatabaseException> {
    /** Created by Spring Boot. */
    public ConfigFailureAnalyzer() {
        // stateless
    }

    @Override
    protected FailureAnalysis analyze(Throwable root, DatabaseException cause) {
        if (cause instanceof DatabaseConfigException) {
            return new FailureAnalysis("roachkit could not read its settings: " + cause.getMessage(),
                    "Fix the roachkit.* properties named above (application.properties or .yml, ROACHKIT_* environment"
                            + " variables, command-line arguments) or the settings.conf / DB_* values; every property"
                            + " and its accepted form is in the README's Settings table.", cause);
        }
        if (cause instanceof DatabaseConnectionException) {
            return new FailureAnalysis("roachkit could not connect to the database: " + cause.getMessage(),
                    "Check that the server in roachkit.url is running and reachable from here, with these"
                            + " credentials and TLS settings; roachkit.connection-timeout says how long start-up waits"
                            + " for it.", cause);
        }
        return null;
    }
}
