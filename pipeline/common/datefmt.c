/* datefmt.c: parsing the free-text dates of metadata.csv and placing them
 * against a hold-out window. */
#include "datefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const month_names[12] = {
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december"};

int cxr_date_valid(int year, int month, int day)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
        return 0;
    return day <= days[month - 1] + (month == 2 && leap);
}

/* Month from a word: full name or an abbreviation of at least three letters
 * ("Sep", "Sept"), with an optional trailing dot. 0 if none. */
static int month_from_word(const char *word, size_t len)
{
    if (len > 0 && word[len - 1] == '.')
        len--;
    if (len < 3)
        return 0;
    for (int m = 0; m < 12; m++)
        if (len <= strlen(month_names[m]) && strncasecmp(word, month_names[m], len) == 0)
            return m + 1;
    return 0;
}

/* Reads 1..max digits; returns the count read (0: none). */
static int read_number(const char **p, int max, int *value)
{
    int n = 0;
    *value = 0;
    while (n < max && isdigit((unsigned char)**p)) {
        *value = *value * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return isdigit((unsigned char)**p) ? 0 : n;
}

static void skip_blanks(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

static cxr_date_kind full_or_invalid(int y, int m, int d, cxr_date *out)
{
    if (!cxr_date_valid(y, m, d))
        return CXR_DATE_INVALID;
    out->year = y;
    out->month = m;
    out->day = d;
    return CXR_DATE_FULL;
}

/* "3/3/2020", "03/16/20", "2020-03-04", "2020" */
static cxr_date_kind parse_numeric(const char *p, cxr_date *out)
{
    int a, b, c, na, nb, nc;

    na = read_number(&p, 4, &a);
    if (na == 4 && *p == '-') {
        p++;
        if (read_number(&p, 2, &b) != 2 || *p++ != '-' || read_number(&p, 2, &c) != 2)
            return CXR_DATE_INVALID;
        skip_blanks(&p);
        return *p ? CXR_DATE_INVALID : full_or_invalid(a, b, c, out);
    }
    if (na == 4) {
        skip_blanks(&p);
        if (*p || a < 1)
            return CXR_DATE_INVALID;
        out->year = a;
        return CXR_DATE_YEAR;
    }
    if (na < 1 || na > 2 || *p++ != '/')
        return CXR_DATE_INVALID;
    nb = read_number(&p, 2, &b);
    if (nb < 1 || *p++ != '/')
        return CXR_DATE_INVALID;
    nc = read_number(&p, 4, &c);
    skip_blanks(&p);
    if (*p || (nc != 2 && nc != 4))
        return CXR_DATE_INVALID;
    return full_or_invalid(nc == 2 ? 2000 + c : c, a, b, out);
}

/* "January 22, 2020", "Feb 21 2020", "March 2003", "January 12" */
static cxr_date_kind parse_named(const char *p, cxr_date *out)
{
    const char *word = p;
    int month, first, second, n1, n2;

    while (isalpha((unsigned char)*p) || *p == '.')
        p++;
    month = month_from_word(word, (size_t)(p - word));
    if (!month)
        return CXR_DATE_INVALID;
    skip_blanks(&p);
    n1 = read_number(&p, 4, &first);
    if (n1 == 4) { /* "March 2003" */
        skip_blanks(&p);
        if (*p || first < 1)
            return CXR_DATE_INVALID;
        out->year = first;
        out->month = month;
        return CXR_DATE_MONTH;
    }
    if (n1 < 1 || n1 > 2)
        return CXR_DATE_INVALID;
    if (*p == ',')
        p++;
    skip_blanks(&p);
    if (!*p) { /* "January 12" */
        if (!cxr_date_valid(2000, month, first)) /* 2000 is leap: Feb 29 allowed */
            return CXR_DATE_INVALID;
        out->month = month;
        out->day = first;
        return CXR_DATE_NO_YEAR;
    }
    n2 = read_number(&p, 4, &second);
    skip_blanks(&p);
    if (n2 != 4 || *p)
        return CXR_DATE_INVALID;
    return full_or_invalid(second, month, first, out);
}

cxr_date_kind cxr_date_parse(const char *text, cxr_date *out)
{
    const char *p = text ? text : "";

    memset(out, 0, sizeof(*out));
    skip_blanks(&p);
    if (!*p)
        return CXR_DATE_EMPTY;
    if (isdigit((unsigned char)*p))
        return parse_numeric(p, out);
    if (isalpha((unsigned char)*p))
        return parse_named(p, out);
    return CXR_DATE_INVALID;
}

int cxr_date_parse_iso(const char *text, cxr_date *out)
{
    int y, m, d;
    char tail;

    memset(out, 0, sizeof(*out));
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)text[i]))
            return 0;
    if (sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || !cxr_date_valid(y, m, d))
        return 0;
    out->year = y;
    out->month = m;
    out->day = d;
    return 1;
}

const char *cxr_date_kind_name(cxr_date_kind kind)
{
    static const char *const names[] = {"full", "month", "year", "no_year", "empty", "invalid"};
    return (unsigned)kind < 6 ? names[kind] : "invalid";
}

static long day_number(int y, int m, int d)
{
    return (long)y * 10000 + m * 100 + d;
}

static int days_in_month(int y, int m)
{
    int d = 31;
    while (d > 28 && !cxr_date_valid(y, m, d))
        d--;
    return d;
}

cxr_window_place cxr_date_place(cxr_date_kind kind, const cxr_date *date,
                                const cxr_date *from, const cxr_date *to)
{
    long first, last;
    long lo = day_number(from->year, from->month, from->day);
    long hi = day_number(to->year, to->month, to->day);

    switch (kind) {
    case CXR_DATE_FULL:
        first = last = day_number(date->year, date->month, date->day);
        break;
    case CXR_DATE_MONTH:
        first = day_number(date->year, date->month, 1);
        last = day_number(date->year, date->month, days_in_month(date->year, date->month));
        break;
    case CXR_DATE_YEAR:
        first = day_number(date->year, 1, 1);
        last = day_number(date->year, 12, 31);
        break;
    default:
        return CXR_WINDOW_UNKNOWN;
    }
    if (first >= lo && last <= hi)
        return CXR_WINDOW_INSIDE;
    if (last < lo || first > hi)
        return CXR_WINDOW_OUTSIDE;
    return CXR_WINDOW_UNKNOWN;
}
