package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The planner and introspection fixes of issue 11 (items 5-11 and 16-21), each on a real
 * database and, where the execution mode matters, in both {@code db_migration_mode}s.
 */
class PlannerFixesIT {
    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
    }

    @AfterEach
    void drop() {
        if (f != null) {
            f.close();
        }
    }

    private List<Plan> migrate(String mode) {
        return f.migrate(Map.of("db_migration_mode", mode));
    }

    private List<String> validate() {
        try (Database db = f.open()) {
            return Migrator.of(db).validate();
        }
    }

    private List<Plan> plan() {
        try (Database db = f.open()) {
            return Migrator.of(db).plan();
        }
    }

    private long foreignKeys() throws Exception {
        return f.count("SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace"
                + " WHERE n.nspname = current_schema() AND c.contype = 'f'");
    }

    static final String PARENT_CHILD = """
            version = %d
            tables = [
              { name = parent, columns = [
                  { name = id, type = INT8, primary_key = true }
                  { name = code, type = STRING, nullable = false }
                ]
                indexes = [ %s ]
              }
              { name = child, columns = [
                  { name = id, type = INT8, primary_key = true }
                  { name = parent_code, type = STRING }
                ]
                foreign_keys = [ %s ]
              }
            ]
            """;

    // Item 5: renaming a unique index renames it in place; the foreign keys that rely on it stay.
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void renamingAUniqueIndexKeepsTheForeignKeysThatNeedIt(String mode) throws Exception {
        String fk = "{ columns = [parent_code], references = \"parent(code)\" }";
        f.version(1, PARENT_CHILD.formatted(1, "{ name = parent_code_uq, columns = [code], unique = true }", fk));
        migrate(mode);
        f.exec("INSERT INTO parent VALUES (1, 'a')", "INSERT INTO child VALUES (1, 'a')");
        f.version(2, PARENT_CHILD.formatted(2, "{ name = parent_code_unique, columns = [code], unique = true }", fk));
        List<Plan> plans = migrate(mode);
        assertThat(plans.get(0).steps()).extracting(Step::kind).contains(Step.Kind.RENAME_INDEX)
                .doesNotContain(Step.Kind.DROP_INDEX, Step.Kind.DROP_CONSTRAINT);
        assertThat(plans.get(0).steps()).noneMatch(s -> s.sql().contains("CASCADE"));
        assertThat(foreignKeys()).isEqualTo(1);
        assertThat(validate()).isEmpty();
        // Changing the index's definition drops and re-makes the foreign key around it, never with CASCADE.
        f.version(3, PARENT_CHILD.formatted(3, "", fk).replace("{ name = code, type = STRING, nullable = false }",
                "{ name = code, type = STRING, nullable = false, unique = true }"));
        plans = migrate(mode);
        assertThat(plans.get(0).steps()).noneMatch(s -> s.sql().contains("CASCADE"));
        assertThat(foreignKeys()).isEqualTo(1);
        assertThat(validate()).isEmpty();
        assertThatThrownBy(() -> f.exec("INSERT INTO child VALUES (2, 'zz')")).hasMessageContaining("foreign key");
    }

    static final String TWO_COLUMNS = """
            version = %d
            tables = [ { name = t, columns = [
                { name = id, type = INT8, primary_key = true }
                %s
              ] } ]
            %s
            """;

    // Item 6: swapping two columns' names goes through a temporary name; a repeated declaration is no new swap.
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void swappingTwoColumnsNamesKeepsEachValueWithItsColumn(String mode) throws Exception {
        f.version(1, TWO_COLUMNS.formatted(1, "{ name = a, type = STRING }\n{ name = b, type = STRING }", ""));
        migrate(mode);
        f.exec("INSERT INTO t VALUES (1, 'was a', 'was b')");
        String swap = "{ name = a, type = STRING, renamed_from = b }\n{ name = b, type = STRING, renamed_from = a }";
        f.version(2, TWO_COLUMNS.formatted(2, swap, ""));
        migrate(mode);
        assertThat(f.rows("SELECT a, b FROM t")).containsExactly("was b|was a");
        assertThat(validate()).isEmpty();
        f.version(3, TWO_COLUMNS.formatted(3, swap, ""));
        assertThat(migrate(mode).get(0).isEmpty()).as("a swap copied into the next version is not made again").isTrue();
        assertThat(f.rows("SELECT a, b FROM t")).containsExactly("was b|was a");
    }

    // Item 6: replacing a column by renaming onto its name keeps the renamed column's data, and says what it drops.
    @Test
    void renamingOntoAnExistingColumnIsRefusedAtLoadUnlessTheDropIsAllowed() throws Exception {
        f.version(1, TWO_COLUMNS.formatted(1, "{ name = email, type = STRING }\n{ name = new_email, type = STRING }", ""));
        f.migrate();
        f.exec("INSERT INTO t VALUES (1, 'keep@example.com', 'stale')");
        f.version(2, TWO_COLUMNS.formatted(2, "{ name = new_email, type = STRING, renamed_from = email }", ""));
        assertThatThrownBy(f::migrate).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("v2.conf:4: column t.new_email is renamed_from email")
                .hasMessageContaining("allow_destructive += \"DROP COLUMN t.new_email\"")
                .hasMessageNotContaining("DROP COLUMN t.email");
        f.version(2, TWO_COLUMNS.formatted(2, "{ name = new_email, type = STRING, renamed_from = email }",
                "allow_destructive = [\"DROP COLUMN t.new_email\"]"));
        f.migrate();
        assertThat(f.rows("SELECT new_email FROM t")).containsExactly("keep@example.com");
        assertThat(f.columns("t")).containsExactly("id", "new_email");
    }

    // Item 6: a column renamed from one the same version still declares is refused at load time.
    @Test
    void aRenameFromAColumnStillDeclaredIsRefusedAtLoad() throws Exception {
        f.version(1, TWO_COLUMNS.formatted(1, "{ name = a, type = STRING }\n{ name = b, type = STRING, renamed_from = a }",
                ""));
        assertThatThrownBy(f::migrate).hasMessageContaining("v1.conf:5: column t.b is renamed_from a, but t.a is still"
                + " declared (line 4)");
        assertThat(f.tables()).doesNotContain("t");
    }

    // Items 7 and 8: unique columns are read by what they cover, and long generated names stay distinct.
    @Test
    void uniqueColumnsAreReadByDefinitionWhateverTheirNames() throws Exception {
        String longTable = "a_table_whose_name_is_long_enough_to_matter_here";
        String cols = """
                { name = id, type = INT8, primary_key = true }
                { name = a_rather_long_column_name_number_one, type = INT8, unique = true }
                { name = a_rather_long_column_name_number_two, type = INT8, unique = true }
                """;
        f.version(1, """
                version = 1
                tables = [ { name = %s, columns = [ %s ] }
                  { name = r, columns = [ { name = id, type = INT8, primary_key = true }
                      { name = a_rather_long_column_name_number_one, type = INT8 }
                      { name = a_rather_long_column_name_number_two, type = INT8 } ]
                    foreign_keys = [ { columns = [a_rather_long_column_name_number_one], references = "%s(a_rather_long_column_name_number_one)" }
                                     { columns = [a_rather_long_column_name_number_two], references = "%s(a_rather_long_column_name_number_two)" } ] } ]
                """.formatted(longTable, cols, longTable, longTable));
        f.migrate();
        assertThat(foreignKeys()).as("two foreign keys, two distinct names").isEqualTo(2);
        assertThat(validate()).isEmpty();
        // Constraints renamed by hand are still what they cover.
        f.exec("ALTER TABLE " + longTable + " RENAME CONSTRAINT " + f.rows("SELECT conname FROM pg_constraint"
                + " WHERE contype = 'u' ORDER BY conname LIMIT 1").get(0) + " TO some_name_nobody_generated");
        assertThat(validate()).isEmpty();
        // Renaming the table and the column (declared) keeps the constraint; unique = false then drops it.
        MigrationFixture g = new MigrationFixture();
        try {
            g.version(1, "version = 1\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                    + "{ name = name, type = STRING, unique = true } ] } ]\n");
            g.migrate();
            g.version(2, "version = 2\ntables = [ { name = u, renamed_from = t, columns = [ { name = id, type = INT8,"
                    + " primary_key = true }, { name = code, type = STRING, unique = true, renamed_from = name } ] } ]\n");
            g.migrate();
            try (Database db = g.open()) {
                assertThat(Migrator.of(db).validate()).isEmpty();
            }
            g.version(3, "version = 3\ntables = [ { name = u, columns = [ { name = id, type = INT8, primary_key = true },"
                    + "{ name = code, type = STRING, unique = false } ] } ]\n");
            g.migrate();
            g.exec("INSERT INTO u VALUES (1, 'same'), (2, 'same')"); // no unique constraint is left
            try (Database db = g.open()) {
                assertThat(Migrator.of(db).validate()).isEmpty();
            }
        } finally {
            g.close();
        }
    }

    // Item 9: bounded arrays read back with their bounds: no drift, nothing to do in the next version.
    @Test
    void boundedArraysReadBackWithTheirBounds() throws Exception {
        String v = """
                version = %d
                tables = [ { name = t, columns = [
                    { name = id, type = INT8, primary_key = true }
                    { name = tags, type = "STRING(10)[]" }
                    { name = amounts, type = "DECIMAL(10,2)[]" } ] } ]
                """;
        f.version(1, v.formatted(1));
        f.migrate();
        assertThat(validate()).isEmpty();
        f.version(2, v.formatted(2));
        assertThat(f.migrate().get(0).isEmpty()).isTrue();
    }

    // Item 10: defaults compare case-preserving, and negative defaults do not drift.
    @Test
    void defaultsAreComparedByWhatTheyMean() throws Exception {
        String v = """
                version = %d
                tables = [ { name = t, columns = [
                    { name = id, type = INT8, primary_key = true }
                    { name = currency, type = STRING, default = "'%s'" }
                    { name = n, type = INT8, default = "-1" }
                    { name = d, type = "DECIMAL(10,2)", default = "-1.5" }
                    { name = i, type = INT4, default = "(-7)" } ] } ]
                """;
        f.version(1, v.formatted(1, "EUR"));
        f.migrate();
        assertThat(validate()).isEmpty();
        f.version(2, v.formatted(2, "EUR"));
        assertThat(f.migrate().get(0).isEmpty()).isTrue();
        f.version(3, v.formatted(3, "eur"));
        assertThat(f.migrate().get(0).steps()).anyMatch(s -> s.sql().contains("SET DEFAULT 'eur'"));
        f.exec("INSERT INTO t (id) VALUES (1)");
        assertThat(f.rows("SELECT currency, n, d, i FROM t")).containsExactly("eur|-1|-1.50|-7");
        assertThat(validate()).isEmpty();
    }

    // Item 11: validate reports what the live schema has that no file can say.
    @Test
    void validateReportsWhatItCannotRepresent() throws Exception {
        f.version(1, """
                version = 1
                tables = [ { name = t, columns = [
                    { name = id, type = INT8, primary_key = true }
                    { name = doc, type = JSONB }
                    { name = at, type = TIMESTAMP }
                    { name = n, type = INT8 } ] } ]
                """);
        f.migrate();
        assertThat(validate()).isEmpty();
        f.exec("ALTER TABLE t ALTER COLUMN doc TYPE json", "ALTER TABLE t ALTER COLUMN at TYPE timestamp(0)",
                "CREATE INDEX t_partial ON t (n) WHERE n > 0", "CREATE INDEX t_hash ON t USING hash (n)",
                "ALTER TABLE t ADD CONSTRAINT t_positive CHECK (n > 0)",
                "CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
                "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION noop()");
        List<String> drift = validate();
        assertThat(String.join("\n", drift)).contains("t.doc has type json").contains("t.at has type timestamp(0)")
                .contains("index t_partial on t is partial").contains("index t_hash on t is a hash index")
                .contains("CHECK constraint t_positive").contains("trigger t_touch");
    }

    // Item 16: a foreign key to columns made unique by a unique index of the same version.
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void aForeignKeyToAUniqueIndexOfTheSameVersionIsAddedAfterTheIndex(String mode) throws Exception {
        f.version(1, PARENT_CHILD.formatted(1, "", ""));
        migrate(mode);
        f.version(2, PARENT_CHILD.formatted(2, "{ name = parent_code_uq, columns = [code], unique = true }",
                "{ columns = [parent_code], references = \"parent(code)\" }"));
        migrate(mode);
        assertThat(foreignKeys()).isEqualTo(1);
        assertThat(f.rows("SELECT max(version) FROM schema_version")).containsExactly("2");
        assertThat(validate()).isEmpty();
    }

    // Item 17: a type change on a column whose foreign key goes, and a unique constraint dropped with the key that needs it.
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void constraintDropsComeBeforeTheChangesTheyBlock(String mode) throws Exception {
        f.version(1, """
                version = 1
                tables = [
                  { name = a, columns = [ { name = id, type = INT8, primary_key = true }
                                          { name = code, type = STRING, unique = true } ] }
                  { name = b, columns = [ { name = id, type = INT8, primary_key = true }
                                          { name = a_id, type = INT8 }
                                          { name = a_code, type = STRING } ]
                    foreign_keys = [ { columns = [a_id], references = "a(id)" }
                                     { columns = [a_code], references = "a(code)" } ] }
                ]
                """);
        migrate(mode);
        f.exec("INSERT INTO a VALUES (1, 'x')", "INSERT INTO b VALUES (1, 1, 'x')");
        f.version(2, """
                version = 2
                tables = [
                  { name = a, columns = [ { name = id, type = INT8, primary_key = true }
                                          { name = code, type = STRING } ] }
                  { name = b, columns = [ { name = id, type = INT8, primary_key = true }
                                          { name = a_id, type = STRING }
                                          { name = a_code, type = STRING } ] }
                ]
                allow_destructive = ["ALTER TYPE b.a_id"]
                """);
        migrate(mode);
        assertThat(foreignKeys()).isZero();
        assertThat(f.rows("SELECT a_id FROM b")).containsExactly("1");
        assertThat(validate()).isEmpty();
    }

    // Item 18: a table rename with a new NOT NULL column and SET NOT NULL on an old one.
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void aTableRenameWithNotNullChangesIsPlannedAgainstTheLiveName(String mode) throws Exception {
        f.version(1, "version = 1\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + "{ name = note, type = STRING } ] } ]\n");
        migrate(mode);
        f.exec("INSERT INTO t VALUES (1, NULL), (2, 'b')");
        f.version(2, """
                version = 2
                tables = [ { name = u, renamed_from = t, columns = [
                    { name = id, type = INT8, primary_key = true }
                    { name = note, type = STRING, nullable = false, default = "'none'" }
                    { name = city, type = STRING, nullable = false } ] } ]
                migrations = [ "UPDATE u SET city = 'Paris'" ]
                """);
        migrate(mode);
        assertThat(f.rows("SELECT id, note, city FROM u ORDER BY id")).containsExactly("1|none|Paris", "2|b|Paris");
        assertThat(validate()).isEmpty();
    }

    // Item 19: plan across several pending versions, the same steps migrate runs; baseline adoption shown.
    @Test
    void planCoversSeveralPendingVersionsExactlyAsMigrateRunsThem() throws Exception {
        f.version(1, "version = 1\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true } ] } ]\n");
        f.migrate();
        f.exec("INSERT INTO t VALUES (1)");
        f.version(2, "version = 2\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true } ] },"
                + "{ name = x, columns = [ { name = id, type = INT8, primary_key = true } ] } ]\n");
        f.version(3, "version = 3\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + "{ name = label, type = STRING, nullable = false } ] },"
                + "{ name = y, renamed_from = x, columns = [ { name = id, type = INT8, primary_key = true },"
                + "{ name = label, type = STRING, nullable = false } ] } ]\n"
                + "migrations = [\"UPDATE t SET label = 'one'\"]\n");
        List<Plan> planned = plan();
        assertThat(planned).extracting(Plan::version).containsExactly(2, 3);
        List<Plan> applied = f.migrate();
        assertThat(sql(planned)).isEqualTo(sql(applied));
        assertThat(f.rows("SELECT label FROM t")).containsExactly("one");
        // An unversioned database matching v1: plan shows the adoption, then the pending versions.
        MigrationFixture g = new MigrationFixture();
        try {
            g.version(1, "version = 1\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true } ] } ]\n");
            g.version(2, "version = 2\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                    + "{ name = n, type = INT8 } ] } ]\n");
            g.exec("CREATE TABLE t (id INT8 PRIMARY KEY)");
            try (Database db = g.open()) {
                List<Plan> p = Migrator.of(db).plan();
                assertThat(p).extracting(Plan::version).containsExactly(1, 2);
                assertThat(p.get(0).baseline()).isTrue();
                assertThat(sql(p.subList(1, 2))).isEqualTo(sql(Migrator.of(db).migrate()));
            }
        } finally {
            g.close();
        }
    }

    static List<String> sql(List<Plan> plans) {
        return plans.stream().flatMap(p -> p.steps().stream()).map(s -> s.tag() + " " + s.sql()).toList();
    }

    // Item 20: a narrowing fails on a value that does not fit unless the version says how to convert.
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void narrowingFailsOnAValueThatDoesNotFit(String mode) throws Exception {
        String v = "version = %d\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = amount, type = %s }, { name = code, type = %s } ] } ]\n%s";
        f.version(1, v.formatted(1, "\"DECIMAL(10,2)\"", "STRING", ""));
        migrate(mode);
        f.exec("INSERT INTO t VALUES (1, 1.25, 'ABCDEFGHIJKLMNOPQRST')");
        f.version(2, v.formatted(2, "\"DECIMAL(10,2)\"", "\"STRING(10)\"", "allow_destructive = [\"ALTER TYPE t.code\"]"));
        assertThatThrownBy(() -> migrate(mode)).hasMessageContaining("a value of t.code does not fit STRING(10)");
        assertThat(f.rows("SELECT code FROM t")).containsExactly("ABCDEFGHIJKLMNOPQRST");
        String both = "allow_destructive = [\"ALTER TYPE t.code\", \"ALTER TYPE t.amount\"]";
        f.version(2, v.formatted(2, "\"DECIMAL(5,1)\"", "\"STRING(10)\"", both));
        assertThatThrownBy(() -> migrate(mode)).hasMessageContaining("a value of t.amount does not fit DECIMAL(5,1)");
        assertThat(f.rows("SELECT amount, code FROM t")).containsExactly("1.25|ABCDEFGHIJKLMNOPQRST");
        f.version(2, v.formatted(2, "\"DECIMAL(5,1)\", using = \"round(amount, 1)\"",
                "\"STRING(10)\", using = \"left(code, 10)\"", both));
        migrate(mode);
        assertThat(f.rows("SELECT amount, code FROM t")).containsExactly("1.3|ABCDEFGHIJ");
    }

    // Item 20: TIMESTAMP <-> TIMESTAMPTZ use UTC, not the session's zone; FLOAT4 -> FLOAT8 is not called safe.
    @Test
    void timeZoneConversionsUseUtcAndFloatWideningIsNotSafe() throws Exception {
        String v = "version = %d\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + "{ name = at, type = %s }, { name = x, type = %s } ] } ]\n%s";
        f.version(1, v.formatted(1, "TIMESTAMP", "FLOAT4", ""));
        f.migrate();
        f.exec("ALTER DATABASE " + f.name + " SET timezone = 'America/New_York'");
        f.exec("INSERT INTO t VALUES (1, '2024-01-01 12:00:00', 0.1)");
        f.version(2, v.formatted(2, "TIMESTAMPTZ", "FLOAT8", ""));
        assertThatThrownBy(f::migrate).hasMessageContaining("allow_destructive += \"ALTER TYPE t.x\"")
                .hasMessageContaining("allow_destructive += \"ALTER TYPE t.at\"");
        f.version(2, v.formatted(2, "TIMESTAMPTZ", "FLOAT8", "allow_destructive = [\"ALTER TYPE t.at\", \"ALTER TYPE t.x\"]"));
        f.migrate(Map.of("db_migration_mode", "transactional"));
        assertThat(f.rows("SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), x FROM t"))
                .containsExactly("2024-01-01 12:00:00|0.1");
    }

    // Item 21: NOT NULL with a default fills the NULLs from it; the step is safe.
    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void notNullWithADefaultFillsTheNulls(String mode) throws Exception {
        String v = "version = %d\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + "{ name = status, type = STRING %s } ] } ]\n";
        f.version(1, v.formatted(1, ""));
        migrate(mode);
        f.exec("INSERT INTO t VALUES (1, NULL), (2, 'done')");
        f.version(2, v.formatted(2, ", nullable = false, default = \"'new'\""));
        List<Plan> plans = migrate(mode);
        assertThat(plans.get(0).steps()).noneMatch(Step::destructive);
        assertThat(f.rows("SELECT status FROM t ORDER BY id")).containsExactly("new", "done");
        assertThat(validate()).isEmpty();
    }
}
