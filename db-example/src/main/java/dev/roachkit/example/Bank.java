package dev.roachkit.example;

import static dev.roachkit.example.db.Tables.ACCOUNTS;
import static dev.roachkit.example.db.Tables.TRANSFERS;
import static dev.roachkit.example.db.Tables.USERS;

import dev.roachkit.core.Database;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.jooq.ResultQuery;
import org.jooq.conf.ParamType;
import org.jooq.impl.DSL;

/**
 * A small bank on roachkit, written against the jOOQ classes generated from
 * {@code database/schema} at build time: no SQL text outside the schema files. Transfers run in
 * Failsafe-wrapped jOOQ blocks, which CockroachDB's restarts re-run; {@link #transferJdbc} does
 * the same work as plain JDBC and relies on roachkit's transparent retries instead.
 *
 * <p>Thread-safe: the database is.
 */
public final class Bank {
    /** jOOQ without a connection, only to render the SQL the plain-JDBC variant runs. */
    private static final DSLContext RENDER = DSL.using(Database.DIALECT);

    private final Database db;

    /** @param db an open, migrated database */
    public Bank(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * @param username a unique user name
     * @return the new user's id
     */
    public UUID createUser(String username) {
        return db.dslTransactionResult(dsl -> dsl.insertInto(USERS).set(USERS.USERNAME, username)
                .returning(USERS.ID).fetchSingle(USERS.ID));
    }

    /**
     * @param owner the owning user
     * @param initial the opening balance
     * @return the new account's id
     */
    public UUID openAccount(UUID owner, BigDecimal initial) {
        return db.dslTransactionResult(dsl -> dsl.insertInto(ACCOUNTS).set(ACCOUNTS.OWNER_ID, owner)
                .set(ACCOUNTS.BALANCE, initial).returning(ACCOUNTS.ID).fetchSingle(ACCOUNTS.ID));
    }

    /**
     * Moves money in one SERIALIZABLE transaction, re-run on restarts. Refuses overdrafts.
     *
     * @param from the account debited
     * @param to the account credited
     * @param amount a positive amount
     * @return true when done, false when {@code from} lacks the funds (nothing changed)
     * @throws IllegalArgumentException when the amount is not positive or the accounts are the same
     */
    public boolean transfer(UUID from, UUID to, BigDecimal amount) {
        check(from, to, amount);
        UUID id = UUID.randomUUID(); // chosen by the client, so a re-run writes the same ledger row
        return db.dslTransactionResult(dsl -> {
            BigDecimal balance = dsl.select(ACCOUNTS.BALANCE).from(ACCOUNTS).where(ACCOUNTS.ID.eq(from))
                    .fetchSingle(ACCOUNTS.BALANCE);
            if (balance.compareTo(amount) < 0) {
                return false;
            }
            dsl.update(ACCOUNTS).set(ACCOUNTS.BALANCE, ACCOUNTS.BALANCE.minus(amount)).where(ACCOUNTS.ID.eq(from))
                    .execute();
            dsl.update(ACCOUNTS).set(ACCOUNTS.BALANCE, ACCOUNTS.BALANCE.plus(amount)).where(ACCOUNTS.ID.eq(to))
                    .execute();
            dsl.insertInto(TRANSFERS).set(TRANSFERS.ID, id).set(TRANSFERS.FROM_ACCOUNT, from)
                    .set(TRANSFERS.TO_ACCOUNT, to).set(TRANSFERS.AMOUNT, amount).execute();
            return true;
        });
    }

    /**
     * The same transfer as plain JDBC ({@code setAutoCommit(false)} ... {@code commit()}) on a
     * connection from {@code db.pool()}: restarts are replayed by roachkit's proxy; a replay that
     * reads a different balance surfaces as {@link dev.roachkit.core.TransactionRetrySQLException}.
     *
     * @param from the account debited
     * @param to the account credited
     * @param amount a positive amount
     * @return true when done, false when {@code from} lacks the funds
     * @throws SQLException when the transaction fails, including 40001 the proxy could not hide
     */
    public boolean transferJdbc(UUID from, UUID to, BigDecimal amount) throws SQLException {
        check(from, to, amount);
        UUID id = UUID.randomUUID();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try {
                BigDecimal balance;
                ResultQuery<?> read = RENDER.select(ACCOUNTS.BALANCE).from(ACCOUNTS).where(ACCOUNTS.ID.eq(from));
                try (PreparedStatement ps = prepare(c, read); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    balance = rs.getBigDecimal(1);
                }
                if (balance.compareTo(amount) < 0) {
                    c.rollback();
                    return false;
                }
                run(c, RENDER.update(ACCOUNTS).set(ACCOUNTS.BALANCE, ACCOUNTS.BALANCE.minus(amount))
                        .where(ACCOUNTS.ID.eq(from)));
                run(c, RENDER.update(ACCOUNTS).set(ACCOUNTS.BALANCE, ACCOUNTS.BALANCE.plus(amount))
                        .where(ACCOUNTS.ID.eq(to)));
                run(c, RENDER.insertInto(TRANSFERS).set(TRANSFERS.ID, id).set(TRANSFERS.FROM_ACCOUNT, from)
                        .set(TRANSFERS.TO_ACCOUNT, to).set(TRANSFERS.AMOUNT, amount));
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                if (!c.isClosed()) {
                    c.rollback();
                }
                throw e;
            }
        }
    }

    private static PreparedStatement prepare(Connection c, Query q) throws SQLException {
        PreparedStatement ps = c.prepareStatement(q.getSQL(ParamType.INDEXED));
        List<Object> binds = q.getBindValues();
        for (int i = 0; i < binds.size(); i++) {
            ps.setObject(i + 1, binds.get(i));
        }
        return ps;
    }

    private static void run(Connection c, Query q) throws SQLException {
        try (PreparedStatement ps = prepare(c, q)) {
            ps.executeUpdate();
        }
    }

    /**
     * One line of a statement of account.
     *
     * @param transfer the transfer's id
     * @param at when it happened
     * @param counterpart the other account
     * @param amount positive for money in, negative for money out
     */
    public record Entry(UUID transfer, OffsetDateTime at, UUID counterpart, BigDecimal amount) {
    }

    /**
     * @param account an account
     * @return its transfers, newest first
     */
    public List<Entry> statement(UUID account) {
        return db.dslReadOnly(dsl -> dsl.selectFrom(TRANSFERS)
                .where(TRANSFERS.FROM_ACCOUNT.eq(account).or(TRANSFERS.TO_ACCOUNT.eq(account)))
                .orderBy(TRANSFERS.CREATED_AT.desc(), TRANSFERS.ID)
                .fetch(r -> r.getFromAccount().equals(account)
                        ? new Entry(r.getId(), r.getCreatedAt(), r.getToAccount(), r.getAmount().negate())
                        : new Entry(r.getId(), r.getCreatedAt(), r.getFromAccount(), r.getAmount())));
    }

    /**
     * @param account an account
     * @return its balance
     */
    public BigDecimal balance(UUID account) {
        return db.dslReadOnly(dsl -> dsl.select(ACCOUNTS.BALANCE).from(ACCOUNTS).where(ACCOUNTS.ID.eq(account))
                .fetchSingle(ACCOUNTS.BALANCE));
    }

    /**
     * @param accounts some accounts
     * @return the sum of their balances, read in one transaction
     */
    public BigDecimal totalBalance(List<UUID> accounts) {
        return db.dslReadOnly(dsl -> dsl.select(DSL.coalesce(DSL.sum(ACCOUNTS.BALANCE), BigDecimal.ZERO))
                .from(ACCOUNTS).where(ACCOUNTS.ID.in(accounts)).fetchSingle().value1());
    }

    /**
     * @param accounts some accounts
     * @return the smallest of their balances
     */
    public BigDecimal lowestBalance(List<UUID> accounts) {
        return db.dslReadOnly(dsl -> dsl.select(DSL.min(ACCOUNTS.BALANCE)).from(ACCOUNTS)
                .where(ACCOUNTS.ID.in(accounts)).fetchSingle().value1());
    }

    private static void check(UUID from, UUID to, BigDecimal amount) {
        if (amount.signum() <= 0) {
            throw new IllegalArgumentException("amount must be positive, got " + amount);
        }
        if (from.equals(to)) {
            throw new IllegalArgumentException("cannot transfer from an account to itself");
        }
    }
}
