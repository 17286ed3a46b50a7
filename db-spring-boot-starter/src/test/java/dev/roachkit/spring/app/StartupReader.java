package dev.roachkit.spring.app;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads the bank's table while the context starts: it works only if the schema was migrated first. */
@Component
public class StartupReader {
    private final int accountsAtStartUp;

    /** @param jdbc Boot's JdbcTemplate */
    public StartupReader(JdbcTemplate jdbc) {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM accounts", Integer.class);
        this.accountsAtStartUp = n == null ? -1 : n;
    }

    /** @return the number of accounts seen during start-up */
    public int accountsAtStartUp() {
        return accountsAtStartUp;
    }
}
