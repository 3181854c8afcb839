/* select_rules.c: filters and hold-out placement for metadata rows. */
#include "select_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "safename.h"

static const struct {
    const char *key; /* under select.columns / select.filters */
    int hierarchical;
} column_keys[NCOLS] = {
    {"patient", 0}, {"filename", 0}, {"finding", 1}, {"view", 0},
    {"modality", 0}, {"folder", 0}, {"date", 0},
};

static cxr_status init_filters(select_rules *rules, const cxr_config *conf)
{
    static const int filter_cols[] = {COL_MODALITY, COL_FOLDER, COL_VIEW, COL_FINDING};

    for (size_t i = 0; i < 4; i++) {
        int col = filter_cols[i];
        char path[96];
        size_t n;

        snprintf(path, sizeof(path), "select.filters.%s", column_keys[col].key);
        n = cxr_config_len(conf, path);
        if (n == 0)
            continue;
        select_filter *f = &rules->filters[rules->nfilters++];
        f->column = col;
        f->hierarchical = column_keys[col].hierarchical;
        f->nvalues = n;
        f->values = calloc(n, sizeof(*f->values));
        if (!f->values)
            return CXR_ERR_NOMEM;
        for (size_t v = 0; v < n; v++)
            f->values[v] = cxr_config_list_str(conf, path, v);
        rules->needed[col] = 1;
    }
    return CXR_OK;
}

static cxr_status init_holdout(select_rules *rules, const cxr_config *conf, cxr_error *err)
{
    const char *mode = cxr_config_str(conf, "select.holdout.mode");
    const char *undated = cxr_config_str(conf, "select.holdout.undated");
    const char *file = cxr_config_file(conf);

    rules->patient_overlap = cxr_config_str(conf, "select.holdout.patient_overlap");
    rules->undated_goes = !strcmp(undated, "holdout")  ? SPLIT_HOLDOUT
                          : !strcmp(undated, "reject") ? SPLIT_REJECTED
                                                       : SPLIT_TRAIN;
    if (!strcmp(mode, "dates")) {
        const char *from = cxr_config_str(conf, "select.holdout.date_from");
        const char *to = cxr_config_str(conf, "select.holdout.date_to");
        if (!from || !to)
            return cxr_fail(err, CXR_ERR_CONFIG,
                            "%s: 'select.holdout.mode' is 'dates' but 'select.holdout.%s' is not set",
                            file, from ? "date_to" : "date_from");
        cxr_date_parse_iso(from, &rules->from);
        cxr_date_parse_iso(to, &rules->to);
        if (cxr_date_place(CXR_DATE_FULL, &rules->to, &rules->from, &rules->to) != CXR_WINDOW_INSIDE)
            return cxr_fail(err, CXR_ERR_CONFIG,
                            "%s: 'select.holdout.date_to' (%s) is before 'date_from' (%s)",
                            file, to, from);
        rules->mode = HOLDOUT_DATES;
        rules->needed[COL_DATE] = 1;
    } else if (!strcmp(mode, "files")) {
        size_t n = cxr_config_len(conf, "select.holdout.files");
        rules->mode = HOLDOUT_FILES;
        rules->holdout_files = cxr_strmap_new();
        if (!rules->holdout_files)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < n; i++)
            if (cxr_strmap_add(rules->holdout_files,
                               cxr_config_list_str(conf, "select.holdout.files", i), i) < 0)
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    return CXR_OK;
}

cxr_status cxr_select_rules_init(select_rules *rules, const cxr_config *conf, cxr_error *err)
{
    memset(rules, 0, sizeof(*rules));
    for (int c = 0; c < NCOLS; c++) {
        char path[96];
        snprintf(path, sizeof(path), "select.columns.%s", column_keys[c].key);
        rules->column_name[c] = cxr_config_str(conf, path);
        rules->column_index[c] = -1;
    }
    rules->needed[COL_PATIENT] = rules->needed[COL_FILENAME] = 1;
    rules->duplicates_are_errors = !strcmp(cxr_config_str(conf, "select.duplicates"), "error");
    if (init_filters(rules, conf) != CXR_OK)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    return init_holdout(rules, conf, err);
}

void cxr_select_rules_release(select_rules *rules)
{
    for (size_t i = 0; i < rules->nfilters; i++)
        free(rules->filters[i].values);
    cxr_strmap_free(rules->holdout_files);
    memset(rules, 0, sizeof(*rules));
}

cxr_status cxr_select_rules_bind(select_rules *rules, const cxr_csv_row *header,
                             const char *file, cxr_error *err)
{
    for (int c = 0; c < NCOLS; c++) {
        for (size_t i = 0; i < header->nfields && rules->column_index[c] < 0; i++)
            if (strcmp(header->fields[i], rules->column_name[c]) == 0)
                rules->column_index[c] = (int)i;
        for (size_t i = (size_t)rules->column_index[c] + 1;
             rules->column_index[c] >= 0 && i < header->nfields; i++)
            if (strcmp(header->fields[i], rules->column_name[c]) == 0)
                return cxr_fail(err, CXR_ERR_INPUT,
                                "'%s' line 1: column '%s' appears twice (columns %d and %zu); "
                                "which one is meant cannot be known", file,
                                rules->column_name[c], rules->column_index[c] + 1, i + 1);
        if (rules->column_index[c] >= 0 || !rules->needed[c])
            continue; /* a column nothing depends on may be absent */
        char found[1536] = "";
        for (size_t i = 0; i < header->nfields; i++) {
            size_t used = strlen(found);
            snprintf(found + used, sizeof(found) - used, "%s%s", i ? ", " : "",
                     *header->fields[i] ? header->fields[i] : "(unnamed)");
        }
        return cxr_fail(err, CXR_ERR_INPUT, "column '%s' not found in '%s' (columns: %s)",
                        rules->column_name[c], file, found);
    }
    return CXR_OK;
}

const char *cxr_select_field(const select_rules *rules, const cxr_csv_row *row, int col)
{
    int i = rules->column_index[col];
    return i >= 0 ? row->fields[i] : "";
}

/* 0 if 'value' passes the filter, else 1 with the reason written. */
static int filter_rejects(const select_filter *f, const char *value, const char *column,
                          char *reason, size_t size)
{
    size_t used;
    for (size_t v = 0; v < f->nvalues; v++)
        if (f->hierarchical ? cxr_finding_matches(value, f->values[v])
                            : cxr_value_equals(value, f->values[v]))
            return 0;
    used = (size_t)snprintf(reason, size, "%s '%s' is not one of [", column, value);
    for (size_t v = 0; v < f->nvalues && used < size; v++)
        used += (size_t)snprintf(reason + used, size - used, "%s%s", v ? ", " : "", f->values[v]);
    if (used < size)
        snprintf(reason + used, size - used, "]");
    return 1;
}

static void place_by_date(const select_rules *rules, const char *text, row_verdict *v)
{
    v->date_kind = cxr_date_parse(text, &v->date);
    switch (cxr_date_place(v->date_kind, &v->date, &rules->from, &rules->to)) {
    case CXR_WINDOW_INSIDE:
        v->split = SPLIT_HOLDOUT;
        break;
    case CXR_WINDOW_OUTSIDE:
        v->split = SPLIT_TRAIN;
        break;
    case CXR_WINDOW_UNKNOWN:
        v->undated = 1;
        v->split = rules->undated_goes;
        if (v->split == SPLIT_REJECTED)
            snprintf(v->reason, sizeof(v->reason),
                     "date '%s' (%s) cannot be placed in the hold-out window", text,
                     cxr_date_kind_name(v->date_kind));
        break;
    }
}

void cxr_select_rules_classify(const select_rules *rules, const cxr_csv_row *row,
                           row_verdict *v)
{
    const char *filename = cxr_select_field(rules, row, COL_FILENAME);
    const char *problem;

    memset(v, 0, sizeof(*v));
    v->date_kind = cxr_date_parse(cxr_select_field(rules, row, COL_DATE), &v->date);
    for (size_t i = 0; i < rules->nfilters; i++) {
        const select_filter *f = &rules->filters[i];
        if (filter_rejects(f, cxr_select_field(rules, row, f->column), rules->column_name[f->column],
                           v->reason, sizeof(v->reason))) {
            v->split = SPLIT_REJECTED;
            return;
        }
    }
    v->passed_filters = 1;
    if ((problem = cxr_safename_problem(filename)) != NULL) {
        snprintf(v->reason, sizeof(v->reason), "unsafe file name: %s", problem);
        v->split = SPLIT_REJECTED;
        return;
    }
    v->split = SPLIT_TRAIN;
    if (rules->mode == HOLDOUT_DATES)
        place_by_date(rules, cxr_select_field(rules, row, COL_DATE), v);
    else if (rules->mode == HOLDOUT_FILES && cxr_strmap_get(rules->holdout_files, filename, NULL))
        v->split = SPLIT_HOLDOUT;
}
