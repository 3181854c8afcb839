/* select_settings.c: the select section of the config, read once into
 * cxr_select_settings (select.h); the only file of the stage that reads
 * config keys. */
#include "exclusions.h"
#include "select.h"

#include <stdlib.h>
#include <string.h>

/* The list at 'path' into 'out' (array owned, strings borrowed). */
static cxr_status read_list(const cxr_config *conf, const char *path, cxr_select_list *out,
                            cxr_error *err)
{
    size_t n = cxr_config_len(conf, path);
    out->n = 0;
    out->items = NULL;
    if (n == 0)
        return CXR_OK;
    out->items = calloc(n, sizeof(*out->items));
    if (!out->items)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        out->items[i] = cxr_config_list_str(conf, path, i);
    out->n = n;
    return CXR_OK;
}

static void read_columns(const cxr_config *conf, cxr_select_settings *s)
{
    s->columns.patient = cxr_config_str(conf, "select.columns.patient");
    s->columns.filename = cxr_config_str(conf, "select.columns.filename");
    s->columns.date = cxr_config_str(conf, "select.columns.date");
    s->columns.finding = cxr_config_str(conf, "select.columns.finding");
    s->columns.view = cxr_config_str(conf, "select.columns.view");
    s->columns.modality = cxr_config_str(conf, "select.columns.modality");
    s->columns.folder = cxr_config_str(conf, "select.columns.folder");
}

static cxr_status read_filters(const cxr_config *conf, cxr_select_settings *s, cxr_error *err)
{
    cxr_status st = read_list(conf, "select.filters.modality", &s->filters.modality, err);
    if (st == CXR_OK)
        st = read_list(conf, "select.filters.folder", &s->filters.folder, err);
    if (st == CXR_OK)
        st = read_list(conf, "select.filters.view", &s->filters.view, err);
    if (st == CXR_OK)
        st = read_list(conf, "select.filters.finding", &s->filters.finding, err);
    return st;
}

/* The enums are checked by validate: these only map their names. */
static void read_holdout_enums(const cxr_config *conf, cxr_select_settings *s)
{
    const char *mode = cxr_config_str(conf, "select.holdout.mode");
    const char *undated = cxr_config_str(conf, "select.holdout.undated");
    const char *overlap = cxr_config_str(conf, "select.holdout.patient_overlap");

    s->holdout.mode = !strcmp(mode, "dates")   ? CXR_HOLDOUT_DATES
                      : !strcmp(mode, "files") ? CXR_HOLDOUT_FILES
                                               : CXR_HOLDOUT_NONE;
    s->holdout.undated = !strcmp(undated, "holdout")  ? CXR_UNDATED_HOLDOUT
                         : !strcmp(undated, "reject") ? CXR_UNDATED_REJECT
                                                      : CXR_UNDATED_TRAIN;
    s->holdout.patient_overlap = !strcmp(overlap, "drop_from_train") ? CXR_OVERLAP_DROP_FROM_TRAIN
                                 : !strcmp(overlap, "move_to_holdout")
                                     ? CXR_OVERLAP_MOVE_TO_HOLDOUT
                                     : CXR_OVERLAP_ALLOW;
}

/* Mode dates needs both ends, in order (YYYY-MM-DD compares as text). */
static cxr_status check_window(const cxr_select_settings *s, cxr_error *err)
{
    const char *file = s->common.config_file, *from = s->holdout.date_from,
               *to = s->holdout.date_to;
    if (s->holdout.mode != CXR_HOLDOUT_DATES)
        return CXR_OK;
    if (!from || !to)
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "%s: 'select.holdout.mode' is 'dates' but 'select.holdout.%s' is not set",
                        file, from ? "date_to" : "date_from");
    if (strcmp(to, from) < 0)
        return cxr_fail(err, CXR_ERR_CONFIG,
                        "%s: 'select.holdout.date_to' (%s) is before 'date_from' (%s)",
                        file, to, from);
    return CXR_OK;
}

cxr_status cxr_select_settings_read(const cxr_config *conf, cxr_select_settings *out,
                                    cxr_error *err)
{
    cxr_status st;
    memset(out, 0, sizeof(*out));
    cxr_common_settings_read(conf, &out->common);
    read_columns(conf, out);
    read_holdout_enums(conf, out);
    out->holdout.date_from = cxr_config_str(conf, "select.holdout.date_from");
    out->holdout.date_to = cxr_config_str(conf, "select.holdout.date_to");
    out->duplicates_are_errors = !strcmp(cxr_config_str(conf, "select.duplicates"), "error");
    st = read_filters(conf, out, err);
    if (st == CXR_OK)
        st = read_list(conf, "select.holdout.files", &out->holdout.files, err);
    if (st == CXR_OK)
        st = cxr_exclusions_path(conf, &out->exclusions, err);
    return st == CXR_OK ? check_window(out, err) : st;
}

void cxr_select_settings_release(cxr_select_settings *settings)
{
    if (!settings)
        return;
    free(settings->filters.modality.items);
    free(settings->filters.folder.items);
    free(settings->filters.view.items);
    free(settings->filters.finding.items);
    free(settings->holdout.files.items);
    free(settings->exclusions);
    memset(settings, 0, sizeof(*settings));
}
