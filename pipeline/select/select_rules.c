/* select_rules.c: filters and hold-out placement for metadata rows. */
#include "select_rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "safename.h"

/* The filters in the order they are checked; the first one that fails is
 * the row's reason. */
static void init_filters(select_rules *rules, const cxr_select_settings *s)
{
    const struct {
        int column;
        cxr_reject_reason reason;
        const cxr_select_list *list;
    } order[] = {
        {COL_MODALITY, CXR_REJECT_MODALITY, &s->filters.modality},
        {COL_FOLDER, CXR_REJECT_FOLDER, &s->filters.folder},
        {COL_VIEW, CXR_REJECT_VIEW, &s->filters.view},
        {COL_FINDING, CXR_REJECT_FINDING, &s->filters.finding},
    };

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        select_filter *f;
        if (order[i].list->n == 0)
            continue;
        f = &rules->filters[rules->nfilters++];
        f->column = order[i].column;
        f->reason = order[i].reason;
        f->hierarchical = order[i].column == COL_FINDING; /* whole path segments */
        f->nvalues = order[i].list->n;
        f->values = order[i].list->items;
        rules->needed[f->column] = 1;
    }
}

static cxr_status init_holdout(select_rules *rules, const cxr_select_settings *s, cxr_error *err)
{
    rules->mode = s->holdout.mode;
    rules->patient_overlap = s->holdout.patient_overlap;
    rules->undated_goes = s->holdout.undated == CXR_UNDATED_HOLDOUT  ? SPLIT_HOLDOUT
                          : s->holdout.undated == CXR_UNDATED_REJECT ? SPLIT_REJECTED
                                                                     : SPLIT_TRAIN;
    if (rules->mode == CXR_HOLDOUT_DATES) {
        /* the settings checked both ends and their order */
        cxr_date_parse_iso(s->holdout.date_from, &rules->from);
        cxr_date_parse_iso(s->holdout.date_to, &rules->to);
        rules->needed[COL_DATE] = 1;
    } else if (rules->mode == CXR_HOLDOUT_FILES) {
        rules->holdout_files = cxr_strmap_new();
        if (!rules->holdout_files)
            return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < s->holdout.files.n; i++)
            if (cxr_strmap_add(rules->holdout_files, s->holdout.files.items[i], i) < 0)
                return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    }
    return CXR_OK;
}

cxr_status cxr_select_rules_init(select_rules *rules, const cxr_select_settings *settings,
                                 cxr_error *err)
{
    memset(rules, 0, sizeof(*rules));
    rules->column_name[COL_PATIENT] = settings->columns.patient;
    rules->column_name[COL_FILENAME] = settings->columns.filename;
    rules->column_name[COL_FINDING] = settings->columns.finding;
    rules->column_name[COL_VIEW] = settings->columns.view;
    rules->column_name[COL_MODALITY] = settings->columns.modality;
    rules->column_name[COL_FOLDER] = settings->columns.folder;
    rules->column_name[COL_DATE] = settings->columns.date;
    for (int c = 0; c < NCOLS; c++)
        rules->column_index[c] = -1;
    rules->needed[COL_PATIENT] = rules->needed[COL_FILENAME] = 1;
    rules->duplicates_are_errors = settings->duplicates_are_errors;
    init_filters(rules, settings);
    return init_holdout(rules, settings, err);
}

void cxr_select_rules_release(select_rules *rules)
{
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
        if (v->split == SPLIT_REJECTED) {
            v->why = CXR_REJECT_UNDATED;
            snprintf(v->reason, sizeof(v->reason),
                     "date '%s' (%s) cannot be placed in the hold-out window", text,
                     cxr_date_kind_name(v->date_kind));
        }
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
            v->why = f->reason;
            return;
        }
    }
    v->passed_filters = 1;
    if ((problem = cxr_safename_problem(filename)) != NULL) {
        snprintf(v->reason, sizeof(v->reason), "unsafe file name: %s", problem);
        v->split = SPLIT_REJECTED;
        v->why = CXR_REJECT_UNSAFE_NAME;
        return;
    }
    v->split = SPLIT_TRAIN;
    if (rules->mode == CXR_HOLDOUT_DATES)
        place_by_date(rules, cxr_select_field(rules, row, COL_DATE), v);
    else if (rules->mode == CXR_HOLDOUT_FILES && cxr_strmap_get(rules->holdout_files, filename, NULL))
        v->split = SPLIT_HOLDOUT;
}
