/* test_datefmt.c: every date form of metadata.csv, impossible dates, and
 * placement against a hold-out window. */
#include "datefmt.h"
#include "testutil.h"

static void expect_full(const char *text, int y, int m, int d)
{
    cxr_date date;
    cxr_date_kind kind = cxr_date_parse(text, &date);
    if (kind != CXR_DATE_FULL || date.year != y || date.month != m || date.day != d)
        fprintf(stderr, "  for '%s': kind %s %d-%d-%d\n", text, cxr_date_kind_name(kind),
                date.year, date.month, date.day);
    CHECK(kind == CXR_DATE_FULL && date.year == y && date.month == m && date.day == d);
}

static void expect_kind(const char *text, cxr_date_kind want)
{
    cxr_date date;
    cxr_date_kind kind = cxr_date_parse(text, &date);
    if (kind != want)
        fprintf(stderr, "  for '%s': got %s, want %s\n", text, cxr_date_kind_name(kind),
                cxr_date_kind_name(want));
    CHECK(kind == want);
}

static void test_forms(void)
{
    expect_full("January 22, 2020", 2020, 1, 22);
    expect_full("Feb 21, 2020", 2020, 2, 21);
    expect_full("Mar 3, 2020", 2020, 3, 3);
    expect_full("March 4, 2020", 2020, 3, 4);
    expect_full("3/3/2020", 2020, 3, 3);
    expect_full("03/16/20", 2020, 3, 16);
    expect_full("2/29/2020", 2020, 2, 29);
    expect_full("2020-03-04", 2020, 3, 4);
    expect_full("  Sept. 9, 2020 ", 2020, 9, 9);
    expect_full("march 10 2020", 2020, 3, 10);
    expect_kind("2020", CXR_DATE_YEAR);
    expect_kind("January 12", CXR_DATE_NO_YEAR);
    expect_kind("March 2003", CXR_DATE_MONTH);
    expect_kind("", CXR_DATE_EMPTY);
    expect_kind("   ", CXR_DATE_EMPTY);
}

static void test_impossible(void)
{
    expect_kind("February 30, 2020", CXR_DATE_INVALID);
    expect_kind("2/29/2019", CXR_DATE_INVALID);
    expect_kind("13/1/2020", CXR_DATE_INVALID);
    expect_kind("0/10/2020", CXR_DATE_INVALID);
    expect_kind("April 31, 2020", CXR_DATE_INVALID);
    expect_kind("Smarch 3, 2020", CXR_DATE_INVALID);
    expect_kind("3/3", CXR_DATE_INVALID);
    expect_kind("3/3/202", CXR_DATE_INVALID);
    expect_kind("2020-02-30", CXR_DATE_INVALID);
    expect_kind("March 4, 2020 x", CXR_DATE_INVALID);
    expect_kind("unknown", CXR_DATE_INVALID);
    expect_kind("-5", CXR_DATE_INVALID);
    expect_kind("March 0000", CXR_DATE_INVALID);
    expect_kind("0000", CXR_DATE_INVALID);
    expect_kind("March 4, 0000", CXR_DATE_INVALID);
    expect_kind("2/29/0000", CXR_DATE_INVALID);
    expect_kind("March 10000", CXR_DATE_INVALID);
}

static void test_window(void)
{
    cxr_date from, to, d;
    CHECK(cxr_date_parse_iso("2020-03-01", &from));
    CHECK(cxr_date_parse_iso("2020-03-31", &to));
    CHECK(!cxr_date_parse_iso("2020-3-01", &d));
    CHECK(!cxr_date_parse_iso("2021-02-29", &d));
    CHECK(cxr_date_place(cxr_date_parse("March 4, 2020", &d), &d, &from, &to) == CXR_WINDOW_INSIDE);
    CHECK(cxr_date_place(cxr_date_parse("3/31/2020", &d), &d, &from, &to) == CXR_WINDOW_INSIDE);
    CHECK(cxr_date_place(cxr_date_parse("2/29/2020", &d), &d, &from, &to) == CXR_WINDOW_OUTSIDE);
    CHECK(cxr_date_place(cxr_date_parse("April 1, 2020", &d), &d, &from, &to) == CXR_WINDOW_OUTSIDE);
    /* a month is placed only when all of it falls on one side */
    CHECK(cxr_date_place(cxr_date_parse("March 2020", &d), &d, &from, &to) == CXR_WINDOW_INSIDE);
    CHECK(cxr_date_place(cxr_date_parse("March 2003", &d), &d, &from, &to) == CXR_WINDOW_OUTSIDE);
    CHECK(cxr_date_place(cxr_date_parse("2020", &d), &d, &from, &to) == CXR_WINDOW_UNKNOWN);
    CHECK(cxr_date_place(cxr_date_parse("2019", &d), &d, &from, &to) == CXR_WINDOW_OUTSIDE);
    CHECK(cxr_date_place(cxr_date_parse("January 12", &d), &d, &from, &to) == CXR_WINDOW_UNKNOWN);
    CHECK(cxr_date_place(cxr_date_parse("", &d), &d, &from, &to) == CXR_WINDOW_UNKNOWN);
    CHECK(cxr_date_place(cxr_date_parse("February 30, 2020", &d), &d, &from, &to) == CXR_WINDOW_UNKNOWN);
}

int main(void)
{
    test_forms();
    test_impossible();
    test_window();
    return test_finish();
}
