package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.ForeignKey;
import dev.roachkit.migrate.internal.Model.Index;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * Checksums of what a version does: its tables (names, columns in order with type, nullability,
 * default and uniqueness, primary key, foreign keys, indexes) and its {@code migrations}, each
 * normalised by {@link SqlScanner#normalize} and the model, so reformatting a file, reordering
 * its tables, adding comments or {@code renamed_from} hints does not change it; any change to
 * the schema a version declares or to the SQL it runs does. Also the SHA-256 keys under which
 * custom migrations are recorded as done.
 *
 * <p>Stateless; thread-safe.
 */
public final class Checksums {
    private Checksums() {
    }

    /**
     * @param v a parsed version
     * @return the hex SHA-256 of its normalised tables and migrations
     */
    public static String of(Version v) {
        StringBuilder sb = new StringBuilder("roachkit-version-checksum-1\n");
        List<Table> tables = new ArrayList<>(v.tables());
        tables.sort(Comparator.comparing(Table::name));
        for (Table t : tables) {
            sb.append("table ").append(t.name()).append('\n');
            for (Column c : t.columns()) {
                sb.append(" column ").append(c.name()).append(' ').append(c.type()).append(c.nullable() ? " null" : " notnull")
                        .append(c.unique() ? " unique" : "").append(" default=")
                        .append(c.defaultExpr().map(SqlScanner::normalize).orElse("")).append('\n');
            }
            sb.append(" pk ").append(t.primaryKey()).append('\n');
            List<String> fks = new ArrayList<>();
            for (ForeignKey fk : t.foreignKeys()) {
                fks.add(" fk " + fk.columns() + " -> " + fk.refTable() + fk.refColumns() + " on delete " + fk.onDelete());
            }
            fks.sort(null);
            fks.forEach(s -> sb.append(s).append('\n'));
            List<String> indexes = new ArrayList<>();
            for (Index i : t.indexes()) {
                indexes.add(" index " + i.name() + " " + i.columns() + (i.unique() ? " unique" : ""));
            }
            indexes.sort(null);
            indexes.forEach(s -> sb.append(s).append('\n'));
        }
        for (String m : v.migrations()) {
            sb.append("migration ").append(SqlScanner.normalize(m)).append('\n');
        }
        return sha256(sb.toString());
    }

    /**
     * The key under which one custom migration is recorded as done: the SHA-256 of its text
     * (whitespace at either end ignored). The same text twice in one version gets distinct keys
     * through its occurrence number.
     *
     * @param migration the migration's SQL
     * @param occurrence 0 for the first time this text occurs in the version, 1 for the second, ...
     * @return the hex key
     */
    public static String migrationKey(String migration, int occurrence) {
        String h = sha256(migration.strip());
        return occurrence == 0 ? h : h + "#" + occurrence;
    }

    /**
     * @param text any text
     * @return its SHA-256 in lower-case hex
     */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
