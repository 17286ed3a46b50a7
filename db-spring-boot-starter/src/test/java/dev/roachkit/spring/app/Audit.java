package dev.roachkit.spring.app;

import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Writes audit rows in a transaction of their own (REQUIRES_NEW), or joining the caller's. */
@Service
public class Audit {
    private static final AtomicLong IDS = new AtomicLong(System.nanoTime() & 0xFFFFFFFL);
    private final JdbcTemplate jdbc;

    /** @param jdbc Boot's JdbcTemplate */
    public Audit(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** @param note the row's text; committed at once, whatever the caller does next */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void recordNow(String note) {
        jdbc.update("INSERT INTO audit (id, note) VALUES (?, ?)", IDS.incrementAndGet(), note);
    }

    /** @param note the row's text; part of the caller's transaction */
    @Transactional
    public void record(String note) {
        jdbc.update("INSERT INTO audit (id, note) VALUES (?, ?)", IDS.incrementAndGet(), note);
    }

    /** @param note the row's text; retried whole when outermost, joining the caller's retry otherwise */
    @dev.roachkit.spring.RetryableTransaction
    public void recordRetryable(String note) {
        jdbc.update("INSERT INTO audit (id, note) VALUES (?, ?)", IDS.incrementAndGet(), note);
    }

    /**
     * @param note a note
     * @return how many audit rows have it
     */
    public int count(String note) {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM audit WHERE note = ?", Integer.class, note);
        return n == null ? 0 : n;
    }
}
