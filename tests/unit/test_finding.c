/* test_finding.c: whole-label and whole-segment matching, and safe names. */
#include "finding.h"
#include "safename.h"
#include "testutil.h"

int main(void)
{
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
