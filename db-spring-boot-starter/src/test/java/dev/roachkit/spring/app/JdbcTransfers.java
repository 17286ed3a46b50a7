package dev.roachkit.spring.app;

import dev.roachkit.spring.RetryableTransaction;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Read-modify-write transfers with JdbcTemplate: with whole-method retry, and without. */
@Service
public class JdbcTransfers {
    private final JdbcTemplate jdbc;

    /** @param jdbc Boot's JdbcTemplate on roachkit's DataSource */
    public JdbcTransfers(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Moves money; re-run whole on restarts. */
    @RetryableTransaction
    public void transferRetrying(long from, long to, long amount) {
        move(from, to, amount);
    }

    /** Moves money in a plain {@code @Transactional}: only the transparent proxy handles restarts. */
    @Transactional
    public void transferPlain(long from, long to, long amount) {
        move(from, to, amount);
    }

    private void move(long from, long to, long amount) {
        Long a = jdbc.queryForObject("SELECT balance FROM accounts WHERE id = ?", Long.class, from);
        Long b = jdbc.queryForObject("SELECT balance FROM accounts WHERE id = ?", Long.class, to);
        jdbc.update("UPDATE accounts SET balance = ? WHERE id = ?", a - amount, from);
        jdbc.update("UPDATE accounts SET balance = ? WHERE id = ?", b + amount, to);
    }
}
