package dev.roachkit.migrate.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which statements of a custom migration are DDL (they commit the open transaction on CockroachDB,
 * where {@code autocommit_before_ddl} is on by default from v25.1), and whether running a
 * migration again is harmless (see {@link RerunSafety} for the forms that are). Stateless.
 */
final class DdlStatements {
    private static final Pattern DDL = Pattern.compile(
            "(?is)^(CREATE|ALTER|DROP|TRUNCATE|COMMENT|GRANT|REVOKE|REFRESH|REINDEX)\\b.*");

    private DdlStatements() {
    }

    /** @return each statement of {@code sql}, as written (without its semicolon) */
    static List<String> split(String sql) {
        List<String> out = new ArrayList<>();
        for (int[] r : SqlScanner.statements(sql)) {
            out.add(sql.substring(r[0], r[1]).strip());
        }
        return out;
    }

    /** @return whether the statement (its leading comments skipped) is DDL */
    static boolean isDdl(String statement) {
        return DDL.matcher(SqlScanner.normalize(statement).toUpperCase(Locale.ROOT)).matches();
    }

    /** @return whether any statement of {@code sql} is DDL */
    static boolean hasDdl(String sql) {
        return split(sql).stream().anyMatch(DdlStatements::isDdl);
    }

    /** @return whether running {@code sql} again after it ran, wholly or partly, changes nothing */
    static boolean rerunnable(String sql) {
        return RerunSafety.whyUnsafe(sql).isEmpty();
    }
}
