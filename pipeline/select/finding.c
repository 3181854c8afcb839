/* finding.c: whole-label and whole-segment matching for filters. */
#include "finding.h"

#include <string.h>

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

int cxr_value_equals(const char *value, const char *wanted)
{
    size_t lv = strlen(value), lw = strlen(wanted);
    trim(&value, &lv);
    trim(&wanted, &lw);
    return lv == lw && memcmp(value, wanted, lv) == 0;
}

int cxr_finding_matches(const char *label, const char *wanted)
{
    size_t ll = strlen(label), lw = strlen(wanted);

    trim(&label, &ll);
    trim(&wanted, &lw);
    if (lw == 0)
        return ll == 0;
    for (size_t start = 0; start + lw <= ll; start++) {
        int starts_segment = start == 0 || label[start - 1] == '/';
        int ends_segment = start + lw == ll || label[start + lw] == '/';
        if (starts_segment && ends_segment && memcmp(label + start, wanted, lw) == 0)
            return 1;
    }
    return 0;
}
