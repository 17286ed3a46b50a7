package dev.roachkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {
    @Test
    void masksUserInfoPasswordsEvenWhenMalformed() {
        assertThat(Redaction.maskUrls("postgresql://u:secret@h/db")).isEqualTo("postgresql://u:****@h/db");
        assertThat(Redaction.maskUrls("postgresql://u:se/cr@et@h/db")).isEqualTo("postgresql://u:****@h/db");
        assertThat(Redaction.maskUrls("see postgresql://u:x@h and postgres://v:y@k"))
                .isEqualTo("see postgresql://u:****@h and postgres://v:****@k");
    }

    @Test
    void masksUserInfoOfAUrlWithoutAScheme() {
        assertThat(Redaction.maskUrls("'u:pw@127.0.0.1:5432/db' is not a PostgreSQL URL"))
                .isEqualTo("'u:****@127.0.0.1:5432/db' is not a PostgreSQL URL");
        assertThat(Redaction.maskUrls("u:p@w:d@h/db")).isEqualTo("u:****@h/db");
        assertThat(Redaction.maskUrls("db_url=app:s3cret@h")).isEqualTo("db_url=app:****@h");
        // no user-info: host:port and times stay as they are
        assertThat(Redaction.maskUrls("h:26257/db at 12:00")).isEqualTo("h:26257/db at 12:00");
    }

    @Test
    void masksPasswordParameters() {
        assertThat(Redaction.maskUrls("jdbc:postgresql://h/db?user=u&password=secret&sslmode=require"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=****&sslmode=require");
        assertThat(Redaction.maskUrls("{sslpassword=abc, user=u}")).isEqualTo("{sslpassword=****, user=u}");
    }

    @Test
    void leavesUrlsWithoutPasswordsAlone() {
        assertThat(Redaction.maskUrls("postgresql://root@h:26257/db")).isEqualTo("postgresql://root@h:26257/db");
    }

    @Test
    void scrubRemovesRawAndEncodedSecret() {
        assertThat(Redaction.scrub("a p@ss b p%40ss", "p@ss")).isEqualTo("a **** b ****");
        assertThat(Redaction.scrub("nothing", "")).isEqualTo("nothing");
    }
}
