package dev.roachkit.example.spring;

import static dev.roachkit.example.db.Tables.ACCOUNTS;
import static dev.roachkit.example.db.Tables.TRANSFERS;
import static dev.roachkit.example.db.Tables.USERS;

import dev.roachkit.spring.RetryableTransaction;
import java.math.BigDecimal;
import java.util.UUID;
import org.jooq.DSLContext;
import org.springframework.stereotype.Service;

/**
 * The same bank with jOOQ and the classes db-codegen generated from the schema files; the
 * starter's {@link DSLContext} runs inside the Spring transaction that
 * {@link RetryableTransaction} begins (and begins again on a restart).
 */
@Service
public class JooqBank {
    private final DSLContext dsl;

    /** @param dsl the starter's transaction-aware DSLContext */
    public JooqBank(DSLContext dsl) {
        this.dsl = dsl;
    }

    /**
     * @param username a new, unique user name
     * @param initial the account's opening balance
     * @return the new account's id
     */
    @RetryableTransaction
    public UUID openAccount(String username, BigDecimal initial) {
        UUID user = dsl.insertInto(USERS).set(USERS.USERNAME, username).returning(USERS.ID).fetchSingle(USERS.ID);
        return dsl.insertInto(ACCOUNTS).set(ACCOUNTS.OWNER_ID, user).set(ACCOUNTS.BALANCE, initial)
                .returning(ACCOUNTS.ID).fetchSingle(ACCOUNTS.ID);
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
        BigDecimal balance = dsl.select(ACCOUNTS.BALANCE).from(ACCOUNTS).where(ACCOUNTS.ID.eq(from))
                .fetchSingle(ACCOUNTS.BALANCE);
        if (balance.compareTo(amount) < 0) {
            return false;
        }
        dsl.update(ACCOUNTS).set(ACCOUNTS.BALANCE, ACCOUNTS.BALANCE.minus(amount)).where(ACCOUNTS.ID.eq(from)).execute();
        dsl.update(ACCOUNTS).set(ACCOUNTS.BALANCE, ACCOUNTS.BALANCE.plus(amount)).where(ACCOUNTS.ID.eq(to)).execute();
        dsl.insertInto(TRANSFERS).set(TRANSFERS.ID, UUID.randomUUID()).set(TRANSFERS.FROM_ACCOUNT, from)
                .set(TRANSFERS.TO_ACCOUNT, to).set(TRANSFERS.AMOUNT, amount).execute();
        return true;
    }
}
