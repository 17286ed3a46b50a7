package dev.roachkit.spring.app;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.table;

import dev.roachkit.spring.RetryableTransaction;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Read-modify-write transfers with the starter's DSLContext: with whole-method retry, and without. */
@Service
public class JooqTransfers {
    private static final Table<?> ACCOUNTS = table("accounts");
    private static final Field<Long> ID = field("id", Long.class);
    private static final Field<Long> BALANCE = field("balance", Long.class);
    private final DSLContext dsl;

    /** @param dsl the starter's transaction-aware DSLContext */
    public JooqTransfers(DSLContext dsl) {
        this.dsl = dsl;
    }

    /** Moves money; re-run whole on restarts. */
    @RetryableTransaction
    public void transferRetrying(long from, long to, long amount) {
        move(from, to, amount);
    }

    /** Moves money in a plain {@code @Transactional}. */
    @Transactional
    public void transferPlain(long from, long to, long amount) {
        move(from, to, amount);
    }

    private void move(long from, long to, long amount) {
        long a = dsl.select(BALANCE).from(ACCOUNTS).where(ID.eq(from)).fetchSingle().value1();
        long b = dsl.select(BALANCE).from(ACCOUNTS).where(ID.eq(to)).fetchSingle().value1();
        dsl.update(ACCOUNTS).set(BALANCE, a - amount).where(ID.eq(from)).execute();
        dsl.update(ACCOUNTS).set(BALANCE, b + amount).where(ID.eq(to)).execute();
    }
}
