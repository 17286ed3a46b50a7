package dev.roachkit.example.spring;

import dev.roachkit.spring.RetryableTransaction;
import java.math.BigDecimal;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;

/**
 * Transfers written with Spring's {@link JdbcTemplate}: read, check, write, in one SERIALIZABLE
 * transaction that {@link RetryableTransaction} runs again whole when CockroachDB restarts it.
 */
@Service
public class JdbcBank {
    private final JdbcTemplate jdbc;

    /** @param jdbc Boot's JdbcTemplate, on roachkit's DataSource */
    public JdbcBank(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Moves money and records the transfer.
     *
     * @param from the paying account
     * @param to the receiving account
     * @param amount how much
     * @return false (and nothing changed) when the paying account has too little
     */
    @RetryableTransaction
    public boolean transfer(UUID from, UUID to, BigDecimal amount) {
        BigDecimal balance = jdbc.queryForObject("SELECT balance FROM accounts WHERE id = ?", BigDecimal.class, from);
        if (balance == null || balance.compareTo(amount) < 0) {
            return false;
        }
        jdbc.update("UPDATE accounts SET balance = balance - ? WHERE id = ?", amount, from);
        jdbc.update("UPDATE accounts SET balance = balance + ? WHERE id = ?", amount, to);
        jdbc.update("INSERT INTO transfers (id, from_account, to_account, amount) VALUES (?, ?, ?, ?)",
                UUID.randomUUID(), from, to, amount);
        return true;
    }

    /** @return the sum of all balances: constant, whatever transfers ran */
    @RetryableTransaction(readOnly = true)
    public BigDecimal total() {
        return jdbc.queryForObject("SELECT coalesce(sum(balance), 0) FROM accounts", BigDecimal.class);
    }
}
