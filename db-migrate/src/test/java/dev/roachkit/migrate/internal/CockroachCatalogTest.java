package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.migrate.Plan;
import dev.roachkit.migrate.Step;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Table;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Catalog fixtures: the rows CockroachDB (v24.x, v25.x) returns for cases no test machine can
 * run, turned into roachkit's model and planned against the schema file that made them. Each
 * fixture names the documentation page or source line it follows. A plan with nothing to do holds
 * only the step recording the version.
 */
class CockroachCatalogTest {
    private static final String ROWID_DEFAULT = "unique_rowid()";

    private static List<Step> work(Plan p) {
        return p.steps().stream().filter(s -> s.kind() != Step.Kind.RECORD_VERSION).toList();
    }

    private static Table table(Live live, String name) {
        return live.table(name).orElseThrow();
    }

    /**
     * docs "Primary key constraint": a table created without a primary key gets a hidden
     * {@code rowid INT8 NOT NULL DEFAULT unique_rowid()} as its key; pg_constraint lists
     * {@code events_pkey} on it (session variable show_primary_key_constraint_on_not_visible_columns,
     * default on, docs "Session variables"); pg_index lists the primary index on rowid.
     */
    private static CockroachCatalog rowidTable() {
        return new CockroachCatalog()
                .column("events", "kind", "STRING", true, null)
                .hidden("events", "rowid", "INT8", false, ROWID_DEFAULT)
                .constraint("events", "events_pkey", "p", List.of("rowid"))
                .index("events", "events_pkey", "CREATE UNIQUE INDEX events_pkey ON defaultdb.public.events USING"
                        + " btree (rowid ASC)", true, true);
    }

    @Test
    void aTableWithoutPrimaryKeyHasNeitherRowidNorAKeyAndPlansNothing() throws Exception {
        CockroachCatalog c = rowidTable();
        Table events = table(c.live(), "events");
        assertThat(events.columns()).extracting(Model.Column::name).containsExactly("kind");
        assertThat(events.primaryKey()).isEmpty();
        assertThat(c.live().unsupported()).isEmpty();
        assertThat(work(c.plan("tables = [ { name = events, columns = [ { name = kind, type = STRING } ] } ]")))
                .isEmpty();
    }

    /**
     * With show_primary_key_constraint_on_not_visible_columns = off (docs, "Session variables"),
     * pg_constraint leaves out the key on rowid: the hidden column is still the implicit key.
     */
    @Test
    void theImplicitKeyIsRecognisedWhenPgConstraintHidesIt() throws Exception {
        CockroachCatalog c = new CockroachCatalog()
                .column("events", "kind", "STRING", true, null)
                .hidden("events", "rowid", "INT8", false, ROWID_DEFAULT);
        assertThat(table(c.live(), "events").columns()).extracting(Model.Column::name).containsExactly("kind");
        assertThat(c.live().unsupported()).isEmpty();
        assertThat(work(c.plan("tables = [ { name = events, columns = [ { name = kind, type = STRING } ] } ]")))
                .isEmpty();
    }

    @Test
    void addingAColumnToARowidTableAddsJustThatColumn() throws Exception {
        List<Step> steps = work(rowidTable().plan("tables = [ { name = events, columns = [ { name = kind, type = STRING },"
                + " { name = at, type = TIMESTAMPTZ } ] } ]"));
        assertThat(steps).extracting(Step::sql).containsExactly("ALTER TABLE \"events\" ADD COLUMN \"at\" TIMESTAMPTZ");
    }

    /**
     * cockroach source pkg/sql/catalog/tabledesc (the implicit key is named rowid, then rowid_1, ...
     * when a column called rowid exists): a user's own visible rowid column is an ordinary column.
     */
    @Test
    void aUsersOwnColumnNamedRowidIsKeptWhenTheImplicitKeyIsRowid1() throws Exception {
        CockroachCatalog c = new CockroachCatalog()
                .column("logs", "rowid", "STRING", true, null)
                .hidden("logs", "rowid_1", "INT8", false, ROWID_DEFAULT)
                .constraint("logs", "logs_pkey", "p", List.of("rowid_1"))
                .index("logs", "logs_pkey", "CREATE UNIQUE INDEX logs_pkey ON d.public.logs USING btree (rowid_1 ASC)",
                        true, true);
        assertThat(table(c.live(), "logs").columns()).extracting(Model.Column::name).containsExactly("rowid");
        assertThat(table(c.live(), "logs").primaryKey()).isEmpty();
        assertThat(work(c.plan("tables = [ { name = logs, columns = [ { name = rowid, type = STRING } ] } ]"))).isEmpty();
    }

    /** A visible column the user declared as {@code rowid INT8 PRIMARY KEY DEFAULT unique_rowid()} is a real key. */
    @Test
    void aDeclaredVisibleRowidPrimaryKeyIsKept() throws Exception {
        CockroachCatalog c = new CockroachCatalog()
                .column("ids", "rowid", "INT8", false, ROWID_DEFAULT)
                .constraint("ids", "ids_pkey", "p", List.of("rowid"));
        assertThat(table(c.live(), "ids").primaryKey()).containsExactly("rowid");
        assertThat(work(c.plan("tables = [ { name = ids, columns = [ { name = rowid, type = INT8, primary_key = true,"
                + " default = \"unique_rowid()\" } ] } ]"))).isEmpty();
    }

    /**
     * docs "ALTER TABLE ... ALTER COLUMN ... SET NOT VISIBLE" and "information_schema" (columns.is_hidden):
     * a NOT VISIBLE column is hidden like rowid but is the user's: kept, so it is not added again.
     */
    private static CockroachCatalog notVisible() {
        return new CockroachCatalog()
                .column("users", "id", "INT8", false, null)
                .hidden("users", "secret", "STRING", true, null)
                .constraint("users", "users_pkey", "p", List.of("id"))
                .index("users", "users_pkey", "CREATE UNIQUE INDEX users_pkey ON d.public.users USING btree (id ASC)",
                        true, true);
    }

    @Test
    void aNotVisibleColumnIsKeptAndNotAddedAgain() throws Exception {
        CockroachCatalog c = notVisible();
        assertThat(table(c.live(), "users").columns()).extracting(Model.Column::name).containsExactly("id", "secret");
        assertThat(c.live().unsupported()).singleElement().asString().contains("users.secret is NOT VISIBLE");
        assertThat(work(c.plan("tables = [ { name = users, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = secret, type = STRING } ] } ]"))).isEmpty();
    }

    /** A NOT VISIBLE column shaped like rowid (INT8 DEFAULT unique_rowid()) that is not the key is the user's. */
    @Test
    void aNotVisibleRowidLookalikeThatIsNotTheKeyIsKept() throws Exception {
        CockroachCatalog c = new CockroachCatalog()
                .column("users", "id", "INT8", false, null)
                .hidden("users", "rowid", "INT8", false, ROWID_DEFAULT)
                .constraint("users", "users_pkey", "p", List.of("id"));
        assertThat(table(c.live(), "users").columns()).extracting(Model.Column::name).containsExactly("id", "rowid");
        assertThat(work(c.plan("tables = [ { name = users, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = rowid, type = INT8, nullable = false, default = \"unique_rowid()\" } ] } ]"))).isEmpty();
    }

    @Test
    void renamingANotVisibleColumnRenamesIt() throws Exception {
        List<Step> steps = work(notVisible().plan("tables = [ { name = users, columns = [ { name = id, type = INT8,"
                + " primary_key = true }, { name = token, type = STRING, renamed_from = secret } ] } ]"));
        assertThat(steps).extracting(Step::sql)
                .containsExactly("ALTER TABLE \"users\" RENAME COLUMN \"secret\" TO \"token\"");
    }

    /**
     * docs "Table localities" (REGIONAL BY ROW): a hidden {@code crdb_region} of type
     * {@code crdb_internal_region}, defaulting to the gateway's region, implicitly prefixes the
     * table's indexes. Whether pg_constraint's conkey lists it is not documented: both are fixtures.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aRegionalByRowTableHidesCrdbRegionFromItsKeys(boolean keysListRegion) throws Exception {
        List<String> pk = keysListRegion ? List.of("crdb_region", "id") : List.of("id");
        List<String> uq = keysListRegion ? List.of("crdb_region", "email") : List.of("email");
        CockroachCatalog c = new CockroachCatalog()
                .column("accounts", "id", "INT8", false, null)
                .column("accounts", "email", "STRING", true, null)
                .hidden("accounts", "crdb_region", "crdb_internal_region", false,
                        "default_to_database_primary_region(gateway_region())::public.crdb_internal_region")
                .constraint("accounts", "accounts_pkey", "p", pk)
                .constraint("accounts", "accounts_email_key", "u", uq)
                .index("accounts", "accounts_pkey", "CREATE UNIQUE INDEX accounts_pkey ON d.public.accounts USING btree"
                        + " (crdb_region ASC, id ASC)", true, true)
                .index("accounts", "accounts_email_key", "CREATE UNIQUE INDEX accounts_email_key ON d.public.accounts"
                        + " USING btree (crdb_region ASC, email ASC)", false, true);
        Table t = table(c.live(), "accounts");
        assertThat(t.columns()).extracting(Model.Column::name).containsExactly("id", "email");
        assertThat(t.primaryKey()).containsExactly("id");
        assertThat(t.columns().get(1).unique()).isTrue();
        assertThat(work(c.plan("tables = [ { name = accounts, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = email, type = STRING, unique = true } ] } ]"))).isEmpty();
    }

    /**
     * docs "information_schema" (columns.crdb_sql_type: the type as CockroachDB spells it) and
     * "JSONB" (JSON is an alias, read back as JSONB by crdb_sql_type, never declared by schema files).
     */
    @Test
    void crdbSqlTypesReadAsDeclared() throws Exception {
        CockroachCatalog c = new CockroachCatalog()
                .column("t", "id", "INT8", false, null)
                .column("t", "code", "STRING(20)", true, null)
                .column("t", "amount", "DECIMAL(10,2)", true, null)
                .column("t", "tags", "STRING[]", true, null)
                .column("t", "at", "TIMESTAMPTZ", true, null)
                .column("t", "doc", "JSONB", true, null)
                .constraint("t", "t_pkey", "p", List.of("id"));
        assertThat(work(c.plan("tables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = code, type = \"STRING(20)\" }, { name = amount, type = \"DECIMAL(10,2)\" },"
                + " { name = tags, type = \"STRING[]\" }, { name = at, type = TIMESTAMPTZ }, { name = doc, type = JSONB }"
                + " ] } ]"))).isEmpty();
    }

    /**
     * docs "Default Value constraint" / SHOW CREATE: defaults come back with CockroachDB's
     * {@code :::} type annotation, and CURRENT_TIMESTAMP as the call current_timestamp().
     */
    @Test
    void defaultsReprintedByCockroachAreNoDrift() throws Exception {
        CockroachCatalog c = new CockroachCatalog()
                .column("orders", "id", "UUID", false, "gen_random_uuid()")
                .column("orders", "status", "STRING", false, "'new':::STRING")
                .column("orders", "note", "STRING", true, "e'it\\'s':::STRING")
                .column("orders", "qty", "INT8", false, "1:::INT8")
                .column("orders", "at", "TIMESTAMPTZ", false, "current_timestamp():::TIMESTAMPTZ")
                .constraint("orders", "orders_pkey", "p", List.of("id"));
        assertThat(work(c.plan("tables = [ { name = orders, columns = ["
                + " { name = id, type = UUID, primary_key = true, default = \"gen_random_uuid()\" },"
                + " { name = status, type = STRING, nullable = false, default = \"'new'\" },"
                + " { name = note, type = STRING, default = \"'it''s'\" },"
                + " { name = qty, type = INT8, nullable = false, default = \"1\" },"
                + " { name = at, type = TIMESTAMPTZ, nullable = false, default = CURRENT_TIMESTAMP } ] } ]"))).isEmpty();
    }

    /**
     * Golden DDL. docs "DROP INDEX": CASCADE is needed for the index of a UNIQUE constraint
     * (only CREATE UNIQUE INDEX ones drop without it); cockroachdb/cockroach#42840: DROP CONSTRAINT
     * is refused for it. CockroachDB lists the constraint in pg_constraint and its index in pg_index.
     */
    @Test
    void removingUniqueDropsItsIndexWithCascade() throws Exception {
        CockroachCatalog c = new CockroachCatalog()
                .column("users", "id", "INT8", false, null)
                .column("users", "email", "STRING", true, null)
                .constraint("users", "users_pkey", "p", List.of("id"))
                .constraint("users", "users_email_key", "u", List.of("email"))
                .index("users", "users_email_key", "CREATE UNIQUE INDEX users_email_key ON d.public.users USING btree"
                        + " (email ASC)", false, true);
        assertThat(work(c.plan("tables = [ { name = users, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = email, type = STRING } ] } ]"))).extracting(Step::sql)
                .containsExactly("DROP INDEX \"users\"@\"users_email_key\" CASCADE");
    }

    /** Golden DDL: an index made with CREATE UNIQUE INDEX drops without CASCADE (docs "DROP INDEX"). */
    @Test
    void droppingAPlainUniqueIndexHasNoCascade() throws Exception {
        CockroachCatalog c = new CockroachCatalog()
                .column("users", "id", "INT8", false, null)
                .column("users", "email", "STRING", true, null)
                .constraint("users", "users_pkey", "p", List.of("id"))
                .index("users", "users_email_idx", "CREATE UNIQUE INDEX users_email_idx ON d.public.users USING btree"
                        + " (email ASC)", false, true);
        assertThat(work(c.plan("tables = [ { name = users, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = email, type = STRING } ] } ]"))).extracting(Step::sql)
                .containsExactly("DROP INDEX \"users\"@\"users_email_idx\"");
    }

    private static CockroachCatalog typed(String crdbType, String def) {
        return new CockroachCatalog()
                .column("items", "id", "INT8", false, null)
                .column("items", "code", crdbType, true, def)
                .constraint("items", "items_pkey", "p", List.of("id"));
    }

    private static String items(String codeType) {
        return "tables = [ { name = items, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = code, type = \"" + codeType + "\" } ] } ]";
    }

    /**
     * Golden DDL. docs "ALTER COLUMN", "Alter column data types": a metadata-only widening (a
     * longer STRING, a DECIMAL with more precision, a wider INT) runs as written, without the
     * experimental setting and without a rewrite.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "STRING(10)|STRING(20)|ALTER TABLE \"items\" ALTER COLUMN \"code\" TYPE STRING(20)",
        "STRING(10)|STRING|ALTER TABLE \"items\" ALTER COLUMN \"code\" TYPE STRING",
        "DECIMAL(10,2)|DECIMAL(12,2)|ALTER TABLE \"items\" ALTER COLUMN \"code\" TYPE DECIMAL(12,2)",
        "INT4|INT8|ALTER TABLE \"items\" ALTER COLUMN \"code\" TYPE INT8"})
    void metadataOnlyWideningsRunAsWritten(String from, String to, String golden) throws Exception {
        assertThat(work(typed(from, null).plan(items(to)))).extracting(Step::sql).containsExactly(golden);
    }

    /**
     * docs "ALTER COLUMN" (v24.x): any other change needs enable_experimental_alter_column_type_general,
     * is refused inside an explicit transaction, on a column with a DEFAULT, or on an indexed column:
     * refused at plan time, before anything runs, with what to do instead.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "STRING|INT8", "STRING(20)|STRING(10)", "DECIMAL(12,2)|DECIMAL(10,2)", "INT8|INT4", "FLOAT4|FLOAT8",
        "TIMESTAMP|TIMESTAMPTZ"})
    void otherTypeChangesAreRefusedBeforeAnythingRuns(String from, String to) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> typed(from, null).plan(items(to)))
                .isInstanceOf(dev.roachkit.core.DatabaseSchemaException.class)
                .hasMessageContaining("v2.conf:").hasMessageContaining("items.code changes from " + from + " to " + to)
                .hasMessageContaining("enable_experimental_alter_column_type_general")
                .hasMessageContaining("Nothing was applied");
    }

    /** The same changes on PostgreSQL still convert in place (ALTER ... TYPE ... USING, checked). */
    @Test
    void postgresStillConvertsInPlace() throws Exception {
        Live live = CatalogModel.build(new Dialect.Postgres(), new CatalogRows(List.of(
                new CatalogRows.ColumnRow("items", "id", false, null, "bigint", null, null, false, false),
                new CatalogRows.ColumnRow("items", "code", true, null, "text", null, null, false, false)),
                List.of(new CatalogRows.ConstraintRow("items", "items_pkey", "p", List.of("id"), null, List.of(), "a",
                        "", "a", false)), List.of(), List.of()));
        assertThat(work(CockroachCatalog.plan(new Dialect.Postgres(), items("INT8"), live))).singleElement()
                .extracting(Step::sql).asString().startsWith("ALTER TABLE \"items\" ALTER COLUMN \"code\" TYPE INT8 USING");
    }
}
