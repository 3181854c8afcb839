/* test_config.c: the strict config loader: unknown keys, wrong types and
 * missing keys name file:line:column and the key path; --set is typed and
 * checked like the file; defaults come from the schema. */
#include "config.h"
#include "testutil.h"

#define BASE                                   \
    "version: 1\n"                             \
    "sources:\n"                               \
    "  metadata:\n"                            \
    "    url: meta.csv\n"                      \
    "select:\n"                                \
    "  filters:\n"                             \
    "    view: [PA]\n"

/* Loads 'text', applies 'set' (may be NULL), validates; returns the status
 * and leaves the message in 'err'. */
static cxr_status try_config(const char *text, const char *set, cxr_error *err,
                             cxr_config **keep)
{
    cxr_config *conf = NULL;
    cxr_status st = cxr_config_load_string(text, "test.yaml", &conf, err);
    if (st == CXR_OK && set)
        st = cxr_config_set(conf, set, err);
    if (st == CXR_OK)
        st = cxr_config_validate(conf, err);
    if (keep && st == CXR_OK)
        *keep = conf;
    else
        cxr_config_free(conf);
    return st;
}

static void expect_error(const char *text, const char *set, const char *const *needles)
{
    cxr_error err = {0};
    cxr_status st = try_config(text, set, &err, NULL);
    CHECK(st == CXR_ERR_CONFIG || st == CXR_ERR_USAGE);
    for (; *needles; needles++) {
        if (!test_contains(err.msg, *needles))
            fprintf(stderr, "  message '%s' lacks '%s'\n", err.msg, *needles);
        CHECK(test_contains(err.msg, *needles));
    }
}

static void test_errors(void)
{
    expect_error(BASE "  holdout:\n    mode: dates\n    date_frm: 2020-03-01\n", NULL,
                 (const char *[]){"test.yaml:10:15:", "unknown key 'select.holdout.date_frm'",
                                  "did you mean 'date_from'", NULL});
    expect_error(BASE "score: {threshold: 1.5}\n", NULL,
                 (const char *[]){"test.yaml:8:20:", "'score.threshold' must be between 0 and 1",
                                  "'1.5'", NULL});
    expect_error(BASE "seed: many\n", NULL,
                 (const char *[]){"test.yaml:8:7:", "'seed' must be an integer", "'many'", NULL});
    expect_error(BASE "  holdout:\n    mode: weekly\n", NULL,
                 (const char *[]){"'select.holdout.mode' must be one of none|dates|files", NULL});
    expect_error(BASE "  holdout:\n    date_from: 2020-02-30\n", NULL,
                 (const char *[]){"'select.holdout.date_from' must be a date", NULL});
    expect_error("version: 1\nselect: {}\nsources:\n  metadata: {sha256: x}\n", NULL,
                 (const char *[]){"test.yaml:4:13:", "missing required key 'sources.metadata.url'", NULL});
    expect_error("version: 2\n" "sources: {metadata: {url: x}}\nselect: {}\n", NULL,
                 (const char *[]){"test.yaml:1:10:", "'version' must be between 1 and 1", NULL});
    expect_error(BASE "select:\n  filters: {}\n", NULL, (const char *[]){"duplicate key 'select'", NULL});
    expect_error(BASE "  filters2: x\n", NULL, (const char *[]){"unknown key 'select.filters2'", NULL});
    /* a block mapping's key is named where it is, not its first item */
    expect_error(BASE "selectt:\n  filters: {}\n", NULL,
                 (const char *[]){"test.yaml:8:1:", "unknown key 'selectt'", NULL});
    expect_error(BASE "  columns:\n    - a\n", NULL,
                 (const char *[]){"test.yaml:8:3:", "'select.columns' must be a mapping", NULL});
    expect_error(BASE "sources:\n", NULL, (const char *[]){"duplicate key", NULL});
    expect_error(BASE "  columns: [a, b]\n", NULL,
                 (const char *[]){"'select.columns' must be a mapping", NULL});
    expect_error(BASE "  filters:\n    view: {a: b}\n", NULL, (const char *[]){"duplicate key 'filters'", NULL});
    expect_error("version: 1\n  bad indent: [\n", NULL, (const char *[]){"test.yaml:", "invalid YAML", NULL});
    expect_error("- a\n- b\n", NULL, (const char *[]){"must be a YAML mapping", NULL});
    expect_error("a: &x 1\nb: *x\n", NULL, (const char *[]){"aliases are not supported", NULL});
    /* overrides are checked like the file and named in the message */
    expect_error(BASE, "seed=abc", (const char *[]){"--set 'seed=abc'", "must be an integer", NULL});
    expect_error(BASE, "select.holdout.date_frm=2020-01-01",
                 (const char *[]){"--set 'select.holdout.date_frm=2020-01-01'", "unknown key", NULL});
    expect_error(BASE, "noequals", (const char *[]){"expected KEY.PATH=VALUE", NULL});
    expect_error(BASE, "a..b=1", (const char *[]){"empty segment", NULL});
    expect_error(BASE, "sources.kermany.max_total_size=lots",
                 (const char *[]){"must be a size in bytes", NULL});
}

static void test_values_and_defaults(void)
{
    cxr_error err = {0};
    cxr_config *conf = NULL;

    CHECK(try_config(BASE "  holdout:\n    undated:\n", "seed=7", &err, &conf) == CXR_OK);
    if (!conf)
        return;
    CHECK_INT(cxr_config_int(conf, "seed"), 7);
    CHECK(cxr_config_has(conf, "seed"));
    CHECK_STR(cxr_config_str(conf, "workdir"), "work");
    CHECK(!cxr_config_has(conf, "workdir"));
    CHECK_STR(cxr_config_str(conf, "select.holdout.undated"), "train"); /* null: default */
    CHECK_STR(cxr_config_str(conf, "select.columns.filename"), "filename");
    CHECK_INT(cxr_config_len(conf, "select.filters.view"), 1);
    CHECK_STR(cxr_config_list_str(conf, "select.filters.view", 0), "PA");
    CHECK_INT(cxr_config_len(conf, "select.filters.finding"), 0);
    CHECK_INT(cxr_config_int(conf, "sources.kermany.max_total_size"), 0); /* no kermany */
    CHECK(cxr_config_str(conf, "sources.metadata.sha256") == NULL);
    cxr_config_free(conf);

    conf = NULL;
    CHECK(try_config(BASE, "select.filters.view=[PA, AP]", &err, &conf) == CXR_OK);
    if (conf) {
        CHECK_INT(cxr_config_len(conf, "select.filters.view"), 2);
        CHECK_STR(cxr_config_list_str(conf, "select.filters.view", 1), "AP");
        cxr_config_free(conf);
    }
    conf = NULL;
    /* a lone string is a list of one; sizes are normalised to bytes */
    CHECK(try_config("version: 1\nsources: {metadata: {url: m}, kermany: {url: k, max_total_size: 2GiB}}\n"
                     "select: {filters: {view: PA}}\n", NULL, &err, &conf) == CXR_OK);
    if (conf) {
        CHECK_INT(cxr_config_len(conf, "select.filters.view"), 1);
        CHECK_INT(cxr_config_int(conf, "sources.kermany.max_total_size"), 2147483648LL);
        CHECK_INT(cxr_config_int(conf, "sources.kermany.max_entries"), 200000);
        cxr_config_free(conf);
    }
}

static void test_hash(void)
{
    cxr_error err = {0};
    cxr_config *a = NULL, *b = NULL, *c = NULL;
    char ha[CXR_SHA256_HEX], hb[CXR_SHA256_HEX], hc[CXR_SHA256_HEX], hs[CXR_SHA256_HEX];

    try_config("version: 1\nseed: 3\nsources: {metadata: {url: m}}\nselect: {}\n", NULL, &err, &a);
    try_config("select: {}\nsources: {metadata: {url: m}}\nseed: 3\nversion: 1\n", NULL, &err, &b);
    try_config("version: 1\nseed: 4\nsources: {metadata: {url: m}}\nselect: {}\n", NULL, &err, &c);
    CHECK(a && b && c);
    if (!a || !b || !c)
        return;
    cxr_config_hash(a, NULL, ha);
    cxr_config_hash(b, NULL, hb);
    cxr_config_hash(c, NULL, hc);
    CHECK_STR(ha, hb);               /* key order does not matter */
    CHECK(strcmp(ha, hc) != 0);      /* a value does */
    cxr_config_hash(a, "select", ha);
    cxr_config_hash(c, "select", hs);
    CHECK_STR(ha, hs);               /* the seed is not in 'select' */
    cxr_config_free(a);
    cxr_config_free(b);
    cxr_config_free(c);
}

/* --print-config's output reads back as the same config. */
static void test_dump_round_trip(void)
{
    cxr_error err = {0};
    cxr_config *a = NULL, *b = NULL;
    char *text = NULL, ha[CXR_SHA256_HEX], hb[CXR_SHA256_HEX];
    size_t len = 0;
    FILE *mem;

    /* found by fuzz_config: a trailing ':' and U+2028/U+2029 were printed plain */
    CHECK(try_config(BASE "  columns: {date: '~', view: 'a: b', folder: ' x', modality: 'x:',\n"
                     "    finding: \"f\\u2028g\", patient: \"p\\u2029\"}\n"
                     "  holdout: {files: [null-ish, '#x', 'null'], mode: files}\n",
                     NULL, &err, &a) == CXR_OK);
    if (!a)
        return;
    mem = open_memstream(&text, &len);
    CHECK(cxr_config_dump(a, mem, &err) == CXR_OK);
    fclose(mem);
    CHECK(cxr_config_load_string(text, "dump.yaml", &b, &err) == CXR_OK);
    CHECK(b && cxr_config_validate(b, &err) == CXR_OK);
    if (b) {
        cxr_config_hash(a, NULL, ha);
        cxr_config_hash(b, NULL, hb);
        CHECK_STR(ha, hb);
        CHECK_STR(cxr_config_str(b, "select.columns.date"), "~");
        CHECK_STR(cxr_config_list_str(b, "select.holdout.files", 2), "null");
    }
    free(text);
    cxr_config_free(a);
    cxr_config_free(b);
}

int main(void)
{
    test_errors();
    test_dump_round_trip();
    test_values_and_defaults();
    test_hash();
    return test_finish();
}
