/* test_finding.c: the select stage's pure parts: whole-label and
 * whole-segment matching, safe names, the typed settings read from a config,
 * and the summary line with its rejected rows by reason. */
#include "finding.h"
#include "safename.h"
#include "select.h"
#include "testutil.h"

static const char *const base_yaml =
    "version: 1\n"
    "sources: {metadata: {url: m.csv}}\n"
    "select:\n"
    "  columns: {view: projection}\n"
    "  filters: {modality: [X-ray], view: [PA, AP]}\n";

/* Loads base_yaml with 'sets' applied and reads the settings. */
static cxr_status read_settings(const char *const *sets, cxr_config **conf,
                                cxr_select_settings *s, cxr_error *err)
{
    cxr_status st = cxr_config_load_string(base_yaml, "t.yaml", conf, err);
    for (size_t i = 0; st == CXR_OK && sets && sets[i]; i++)
        st = cxr_config_set(*conf, sets[i], err);
    if (st == CXR_OK)
        st = cxr_config_validate(*conf, err);
    if (st == CXR_OK)
        st = cxr_select_settings_read(*conf, s, err);
    return st;
}

static void test_settings(void)
{
    static const char *const window[] = {"select.holdout.mode=dates",
                                         "select.holdout.date_from=2020-03-01",
                                         "select.holdout.date_to=2020-03-31",
                                         "select.holdout.undated=reject",
                                         "select.holdout.patient_overlap=move_to_holdout",
                                         "select.duplicates=error", NULL};
    static const char *const reversed[] = {"select.holdout.mode=dates",
                                           "select.holdout.date_from=2020-03-31",
                                           "select.holdout.date_to=2020-03-01", NULL};
    static const char *const half[] = {"select.holdout.mode=dates",
                                       "select.holdout.date_from=2020-03-01", NULL};
    static const char *const files[] = {"select.holdout.mode=files",
                                        "select.holdout.files=[a.jpg, b.jpg]", NULL};
    cxr_config *conf = NULL;
    cxr_select_settings s;
    cxr_error err;

    CHECK_INT(read_settings(NULL, &conf, &s, &err), CXR_OK);
    CHECK_STR(s.columns.view, "projection");
    CHECK_STR(s.columns.filename, "filename"); /* the schema's default */
    CHECK_INT((int)s.filters.view.n, 2);
    CHECK_STR(s.filters.view.items[1], "AP");
    CHECK_INT((int)s.filters.finding.n, 0);
    CHECK_INT(s.holdout.mode, CXR_HOLDOUT_NONE);
    CHECK_INT(s.holdout.undated, CXR_UNDATED_TRAIN);
    CHECK_INT(s.holdout.patient_overlap, CXR_OVERLAP_ALLOW);
    CHECK_INT(s.duplicates_are_errors, 0);
    CHECK_STR(s.common.metadata.url, "m.csv");
    cxr_select_settings_release(&s);
    cxr_config_free(conf);

    CHECK_INT(read_settings(window, &conf, &s, &err), CXR_OK);
    CHECK_INT(s.holdout.mode, CXR_HOLDOUT_DATES);
    CHECK_STR(s.holdout.date_to, "2020-03-31");
    CHECK_INT(s.holdout.undated, CXR_UNDATED_REJECT);
    CHECK_INT(s.holdout.patient_overlap, CXR_OVERLAP_MOVE_TO_HOLDOUT);
    CHECK_INT(s.duplicates_are_errors, 1);
    cxr_select_settings_release(&s);
    cxr_config_free(conf);

    CHECK_INT(read_settings(files, &conf, &s, &err), CXR_OK);
    CHECK_INT(s.holdout.mode, CXR_HOLDOUT_FILES);
    CHECK_INT((int)s.holdout.files.n, 2);
    CHECK_STR(s.holdout.files.items[0], "a.jpg");
    cxr_select_settings_release(&s);
    cxr_config_free(conf);

    CHECK_INT(read_settings(reversed, &conf, &s, &err), CXR_ERR_CONFIG);
    CHECK(test_contains(err.msg, "'select.holdout.date_to' (2020-03-01) is before"));
    cxr_select_settings_release(&s);
    cxr_config_free(conf);
    CHECK_INT(read_settings(half, &conf, &s, &err), CXR_ERR_CONFIG);
    CHECK(test_contains(err.msg, "'select.holdout.date_to' is not set"));
    cxr_select_settings_release(&s);
    cxr_config_free(conf);
}

static void test_counts_format(void)
{
    cxr_select_counts c;
    char line[512];
    memset(&c, 0, sizeof(c));
    c.rows = 20;
    c.train = 5;
    c.holdout = 1;
    c.rejected = 14;
    c.rejected_by[CXR_REJECT_MODALITY] = 10;
    c.rejected_by[CXR_REJECT_DUPLICATE] = 4;
    c.undated = 2;
    snprintf(c.reason_label[CXR_REJECT_MODALITY], CXR_SELECT_LABEL_MAX, "not X-ray");
    snprintf(c.reason_label[CXR_REJECT_DUPLICATE], CXR_SELECT_LABEL_MAX, "duplicate file names");
    cxr_select_counts_format(&c, line, sizeof(line));
    CHECK_STR(line, "20 rows: 5 training, 1 held out, 14 rejected: 10 not X-ray, "
                    "4 duplicate file names; 2 kept rows undated");
    memset(&c, 0, sizeof(c));
    cxr_select_counts_format(&c, line, sizeof(line));
    CHECK_STR(line, "0 rows: 0 training, 0 held out, 0 rejected; 0 kept rows undated");
    cxr_select_counts_format(&c, line, 10); /* truncated, terminated */
    CHECK_STR(line, "0 rows: 0");
    CHECK_STR(cxr_reject_reason_key(CXR_REJECT_UNSAFE_NAME), "unsafe_name");
    CHECK_STR(cxr_reject_reason_key(CXR_REJECT_PATIENT_OVERLAP), "patient_overlap");
}

int main(void)
{
    test_settings();
    test_counts_format();
    CHECK(cxr_finding_matches("COVID-19", "COVID-19"));
    CHECK(cxr_finding_matches("Pneumonia/Viral/COVID-19", "COVID-19"));
    CHECK(cxr_finding_matches("Pneumonia/Viral/COVID-19", "Pneumonia/Viral"));
    CHECK(cxr_finding_matches("Pneumonia/Viral/COVID-19", "Viral"));
    CHECK(cxr_finding_matches(" COVID-19 ", "COVID-19"));
    CHECK(!cxr_finding_matches("COVID-19, ARDS", "COVID-19"));
    CHECK(!cxr_finding_matches("Pneumonia/Viral/COVID-19, ARDS", "COVID-19"));
    CHECK(!cxr_finding_matches("COVID-19-like", "COVID-19"));
    CHECK(!cxr_finding_matches("NotCOVID-19", "COVID-19"));
    CHECK(!cxr_finding_matches("Pneumonia/Viral/SARS", "COVID-19"));
    CHECK(!cxr_finding_matches("covid-19", "COVID-19"));
    CHECK(!cxr_finding_matches("", "COVID-19"));
    CHECK(!cxr_finding_matches("Pneumonia/Viral", "Viral/COVID-19"));

    CHECK(cxr_value_equals("PA", "PA"));
    CHECK(cxr_value_equals("PA ", "PA"));
    CHECK(!cxr_value_equals("AP Supine", "AP"));

    CHECK(cxr_safename_problem("a-b_c.jpeg") == NULL);
    CHECK(cxr_safename_problem("..jpeg") == NULL);
    CHECK_STR(cxr_safename_problem("/etc/passwd"), "absolute path");
    CHECK_STR(cxr_safename_problem("../x.png"), "'..' component in file name");
    CHECK_STR(cxr_safename_problem("a/../../x.png"), "'..' component in file name");
    CHECK_STR(cxr_safename_problem("dir/x.png"), "path separator in file name");
    CHECK_STR(cxr_safename_problem("dir\\x.png"), "path separator in file name");
    CHECK_STR(cxr_safename_problem("C:\\x.png"), "absolute path");
    CHECK_STR(cxr_safename_problem("a\tb.png"), "control character in file name");
    CHECK_STR(cxr_safename_problem("a\x7f.png"), "control character in file name");
    CHECK_STR(cxr_safename_problem(""), "empty file name");
    CHECK_STR(cxr_safename_problem(".."), "'..' component in file name");
    return test_finish();
}
