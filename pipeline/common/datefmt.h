/* datefmt.h: the free-text dates of ieee8023's metadata.csv, parsed into
 * what they say and no more: a full date, a month, a year, a day without a
 * year, nothing, or something unreadable. */
#ifndef CXR_DATEFMT_H
#define CXR_DATEFMT_H

typedef enum cxr_date_kind {
    CXR_DATE_FULL,     /* "March 4, 2020", "3/3/2020", "03/16/20", "2020-03-04" */
    CXR_DATE_MONTH,    /* "March 2003": month and year, no day */
    CXR_DATE_YEAR,     /* "2020": year only */
    CXR_DATE_NO_YEAR,  /* "January 12": no year */
    CXR_DATE_EMPTY,    /* "" or blanks */
    CXR_DATE_INVALID   /* unreadable, or impossible ("February 30, 2020") */
} cxr_date_kind;

typedef struct cxr_date {
    int year, month, day; /* 0 where the text does not say */
} cxr_date;

/* Parses free text. Month names are English, full or abbreviated, any case;
 * numeric dates are month/day/year (US, as the dataset writes them) and
 * two-digit years are 20xx. */
cxr_date_kind cxr_date_parse(const char *text, cxr_date *out);

/* Strict YYYY-MM-DD; returns 1 and fills 'out' when valid. */
int cxr_date_parse_iso(const char *text, cxr_date *out);

/* 1 if the day exists (leap years included). */
int cxr_date_valid(int year, int month, int day);

/* A short name for a kind ("full", "month", "year", "no_year", "empty",
 * "invalid"). */
const char *cxr_date_kind_name(cxr_date_kind kind);

typedef enum cxr_window_place {
    CXR_WINDOW_INSIDE,   /* every day the text could mean is in the window */
    CXR_WINDOW_OUTSIDE,  /* no day it could mean is in the window */
    CXR_WINDOW_UNKNOWN   /* cannot tell: year only, no year, empty, invalid */
} cxr_window_place;

/* Places a parsed date against [from, to] (inclusive, full dates): a month
 * or a year is a range of days and is placed only when the whole range falls
 * on one side. */
cxr_window_place cxr_date_place(cxr_date_kind kind, const cxr_date *date,
                                const cxr_date *from, const cxr_date *to);

#endif
