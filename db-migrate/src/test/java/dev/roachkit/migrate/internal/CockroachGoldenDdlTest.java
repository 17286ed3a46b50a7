package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.migrate.Step;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden DDL: the exact statements planned for CockroachDB, one case per kind of change, each
 * with the CockroachDB rule it follows (docs page named). The live side is a catalog fixture of
 * what CockroachDB returns for the schema before the change ({@link #base()}).
 */
class CockroachGoldenDdlTest {
    /** users(id pk, email unique, name) and orders(id pk, user_id fk -> users, total) with index orders_by_user. */
    private static CockroachCatalog base() {
        CockroachCatalog c = new CockroachCatalog()
                .column("users", "id", "INT8", false, null)
                .column("users", "email", "STRING", true, null)
                .column("users", "name", "STRING", true, null)
                .constraint("users", "users_pkey", "p", List.of("id"))
                .constraint("users", "users_email_key", "u", List.of("email"))
                .index("users", "users_email_key", "CREATE UNIQUE INDEX users_email_key ON d.public.users USING btree"
                        + " (email ASC)", false, true)
                .column("orders", "id", "INT8", false, null)
                .column("orders", "user_id", "INT8", true, null)
                .column("orders", "total", "DECIMAL(12,2)", true, null)
                .constraint("orders", "orders_pkey", "p", List.of("id"))
                .index("orders", "orders_by_user", "CREATE INDEX orders_by_user ON d.public.orders USING btree"
                        + " (user_id ASC)", false, false);
        return c.foreignKey("orders", "fk_orders_user_id", List.of("user_id"), "users", List.of("id"));
    }

    private static final String USERS = "{ name = users, columns = [ { name = id, type = INT8, primary_key = true },"
            + " { name = email, type = STRING, unique = true }, { name = name, type = STRING } ] }";
    private static final String ORDERS = "{ name = orders, columns = [ { name = id, type = INT8, primary_key = true },"
            + " { name = user_id, type = INT8 }, { name = total, type = \"DECIMAL(12,2)\" } ],"
            + " foreign_keys = [ { columns = [user_id], references = \"users(id)\" } ],"
            + " indexes = [ { name = orders_by_user, columns = [user_id] } ] }";

    static Stream<Arguments> cases() {
        return Stream.of(
                // docs "CREATE TABLE": types in CockroachDB's words, named PRIMARY KEY and UNIQUE constraints.
                Arguments.of("create table", "tables = [ " + USERS + ", " + ORDERS + ", { name = tags, columns = ["
                        + " { name = id, type = UUID, primary_key = true, default = \"gen_random_uuid()\" },"
                        + " { name = label, type = \"STRING(40)\", nullable = false, unique = true } ] } ]",
                        List.of("CREATE TABLE \"tags\" (\n  \"id\" UUID NOT NULL DEFAULT gen_random_uuid(),\n"
                                + "  \"label\" STRING(40) NOT NULL,\n  CONSTRAINT \"tags_pkey\" PRIMARY KEY (\"id\"),\n"
                                + "  CONSTRAINT \"tags_label_key\" UNIQUE (\"label\")\n)")),
                // docs "ADD COLUMN": a column with NOT NULL needs its DEFAULT in the same statement.
                Arguments.of("add column", "tables = [ " + USERS.replace("{ name = name, type = STRING }",
                        "{ name = name, type = STRING }, { name = visits, type = INT8, nullable = false, default = \"0\" }")
                        + ", " + ORDERS + " ]",
                        List.of("ALTER TABLE \"users\" ADD COLUMN \"visits\" INT8 NOT NULL DEFAULT 0")),
                // docs "RENAME COLUMN".
                Arguments.of("rename column", "tables = [ " + USERS.replace("{ name = name, type = STRING }",
                        "{ name = full_name, type = STRING, renamed_from = name }") + ", " + ORDERS + " ]",
                        List.of("ALTER TABLE \"users\" RENAME COLUMN \"name\" TO \"full_name\"")),
                // docs "DROP COLUMN" (runs as a schema-change job; sql_safe_updates is off for drivers).
                Arguments.of("drop column", "tables = [ " + USERS.replace(", { name = name, type = STRING }", "")
                        + ", " + ORDERS + " ]\nallow_destructive = [ \"DROP COLUMN users.name\" ]",
                        List.of("ALTER TABLE \"users\" DROP COLUMN \"name\"")),
                // docs "ALTER COLUMN ... SET DEFAULT".
                Arguments.of("set default", "tables = [ " + USERS.replace("{ name = name, type = STRING }",
                        "{ name = name, type = STRING, default = \"'anon'\" }") + ", " + ORDERS + " ]",
                        List.of("ALTER TABLE \"users\" ALTER COLUMN \"name\" SET DEFAULT 'anon'")),
                // docs "CREATE INDEX" (built online as a job; no CONCURRENTLY needed).
                Arguments.of("create index", "tables = [ " + USERS.replace("{ name = name, type = STRING } ]",
                        "{ name = name, type = STRING } ], indexes = [ { name = users_by_name, columns = [\"name DESC\"] } ]")
                        + ", " + ORDERS + " ]",
                        List.of("CREATE INDEX \"users_by_name\" ON \"users\" (\"name\" DESC)")),
                // docs "DROP INDEX": table@index names the index without ambiguity (names are per table there).
                Arguments.of("drop index", "tables = [ " + USERS + ", " + ORDERS.replace(",\n indexes = [ { name ="
                        + " orders_by_user, columns = [user_id] } ]", "").replace(", indexes = [ { name = orders_by_user,"
                        + " columns = [user_id] } ]", "") + " ]",
                        List.of("DROP INDEX \"orders\"@\"orders_by_user\"")),
                // docs "DROP CONSTRAINT": foreign keys drop as constraints.
                Arguments.of("drop foreign key", "tables = [ " + USERS + ", " + ORDERS.replace(", foreign_keys = [ {"
                        + " columns = [user_id], references = \"users(id)\" } ]", "") + " ]",
                        List.of("ALTER TABLE \"orders\" DROP CONSTRAINT \"fk_orders_user_id\"")),
                // docs "RENAME TABLE"; docs "ALTER INDEX ... RENAME TO": the table may be left out when the index
                // name is unique in the database, which roachkit's generated names (<table>_pkey) are.
                Arguments.of("rename table", "tables = [ " + USERS + ", " + ORDERS.replace("{ name = orders,",
                        "{ name = purchases, renamed_from = orders,") + " ]",
                        List.of("ALTER TABLE \"orders\" RENAME TO \"purchases\"",
                                "ALTER INDEX \"orders_pkey\" RENAME TO \"purchases_pkey\"")),
                // docs "DROP TABLE": never CASCADE.
                Arguments.of("drop table", "tables = [ " + USERS + " ]\nallow_destructive = [ \"DROP TABLE orders\" ]",
                        List.of("DROP TABLE \"orders\"")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void plansExactly(String kind, String conf, List<String> golden) throws Exception {
        assertThat(base().plan(conf).steps().stream().filter(s -> s.kind() != Step.Kind.RECORD_VERSION)
                .map(Step::sql).toList()).as(kind).containsExactlyElementsOf(golden);
    }
}
