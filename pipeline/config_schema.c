/* config_schema.c: every config key, its type, default and meaning, in one
 * table. This is the one place defaults are documented; `cxrprep-select
 * --print-config` shows the effective values and README.md points here.
 *
 * Order: a map's entry comes before its keys. Each stage's section is kept
 * together below. */
#include "config.h"

#define REQ 1
#define OPT 0

const cxr_schema_key cxr_config_schema[] = {
    /* --- top level --- */
    {"version", CXR_T_INT, REQ, NULL, NULL, 1, 1, "config format version; must be 1"},
    {"workdir", CXR_T_STR, OPT, "work", NULL, 0, 0,
     "directory for the cache, manifests and dataset trees"},
    {"seed", CXR_T_INT, OPT, "42", NULL, 0, 0,
     "seed every random draw derives from"},

    /* --- sources: what to fetch (fetch stage; select reads metadata) --- */
    {"sources", CXR_T_MAP, REQ, NULL, NULL, 0, 0, "the pinned inputs"},
    {"sources.metadata", CXR_T_MAP, REQ, NULL, NULL, 0, 0, "ieee8023 metadata.csv"},
    {"sources.metadata.url", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "http(s) or file:// URL, or a local path"},
    {"sources.metadata.sha256", CXR_T_STR, OPT, NULL, NULL, 0, 0,
     "pinned sha256 (hex); unpinned files are pinned in the lock file"},
    {"sources.metadata.size", CXR_T_SIZE, OPT, NULL, NULL, 0, 0, "pinned size in bytes"},
    {"sources.images", CXR_T_MAP, OPT, NULL, NULL, 0, 0, "ieee8023 images"},
    {"sources.images.url_template", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "URL with {filename}, filled from the select manifests"},
    {"sources.images.allow_missing", CXR_T_BOOL, OPT, "false", NULL, 0, 0,
     "a missing image (404) is recorded instead of failing the stage"},
    {"sources.kermany", CXR_T_MAP, OPT, NULL, NULL, 0, 0, "Kermany 2018 archive (zip or tar)"},
    {"sources.kermany.url", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "http(s) or file:// URL, or a local path"},
    {"sources.kermany.sha256", CXR_T_STR, OPT, NULL, NULL, 0, 0, "pinned sha256 (hex)"},
    {"sources.kermany.size", CXR_T_SIZE, OPT, NULL, NULL, 0, 0, "pinned size in bytes"},
    {"sources.kermany.max_entries", CXR_T_INT, OPT, "200000", NULL, 1, 0,
     "refuse archives with more entries (zip bombs)"},
    {"sources.kermany.max_total_size", CXR_T_SIZE, OPT, "8GiB", NULL, 1, 0,
     "refuse archives whose entries add up to more bytes"},

    /* --- select (cxrprep-select) --- */
    {"select", CXR_T_MAP, REQ, NULL, NULL, 0, 0, "which metadata rows are COVID-19 images"},
    {"select.columns", CXR_T_MAP, OPT, NULL, NULL, 0, 0, "names of the metadata columns used"},
    {"select.columns.patient", CXR_T_STR, OPT, "patientid", NULL, 0, 0, "patient id column"},
    {"select.columns.filename", CXR_T_STR, OPT, "filename", NULL, 0, 0, "image file name column"},
    {"select.columns.date", CXR_T_STR, OPT, "date", NULL, 0, 0, "free-text date column"},
    {"select.columns.finding", CXR_T_STR, OPT, "finding", NULL, 0, 0, "finding column"},
    {"select.columns.view", CXR_T_STR, OPT, "view", NULL, 0, 0, "view column"},
    {"select.columns.modality", CXR_T_STR, OPT, "modality", NULL, 0, 0, "modality column"},
    {"select.columns.folder", CXR_T_STR, OPT, "folder", NULL, 0, 0, "folder column"},
    {"select.filters", CXR_T_MAP, OPT, NULL, NULL, 0, 0,
     "accepted values per column; an absent or empty list accepts all"},
    {"select.filters.modality", CXR_T_STRLIST, OPT, "[]", NULL, 0, 0, "e.g. [X-ray]"},
    {"select.filters.view", CXR_T_STRLIST, OPT, "[]", NULL, 0, 0, "e.g. [PA]"},
    {"select.filters.folder", CXR_T_STRLIST, OPT, "[]", NULL, 0, 0, "e.g. [images]"},
    {"select.filters.finding", CXR_T_STRLIST, OPT, "[]", NULL, 0, 0,
     "matches a whole label or a whole segment of a path label"},
    {"select.holdout", CXR_T_MAP, OPT, NULL, NULL, 0, 0, "which selected rows are held out"},
    {"select.holdout.mode", CXR_T_ENUM, OPT, "none", "none|dates|files", 0, 0,
     "none, a date window, or an explicit list of file names"},
    {"select.holdout.date_from", CXR_T_DATE, OPT, NULL, NULL, 0, 0,
     "first day of the window (mode: dates), YYYY-MM-DD"},
    {"select.holdout.date_to", CXR_T_DATE, OPT, NULL, NULL, 0, 0,
     "last day of the window, inclusive"},
    {"select.holdout.files", CXR_T_STRLIST, OPT, "[]", NULL, 0, 0,
     "file names held out (mode: files)"},
    {"select.holdout.undated", CXR_T_ENUM, OPT, "train", "train|holdout|reject", 0, 0,
     "where rows go whose date cannot be placed in the window"},
    {"select.holdout.patient_overlap", CXR_T_ENUM, OPT, "allow",
     "allow|drop_from_train|move_to_holdout", 0, 0,
     "keep training and hold-out patient-disjoint by dropping or moving rows"},
    {"select.duplicates", CXR_T_ENUM, OPT, "reject", "reject|error", 0, 0,
     "a repeated file name: reject later rows, or stop"},

    /* --- fetch (cxrprep-fetch) --- */
    /* --- sample (cxrprep-sample) --- */
    /* --- layout (cxrprep-layout) --- */
    /* --- score (cxrprep-score) --- */

    {NULL, CXR_T_MAP, 0, NULL, NULL, 0, 0, NULL},
};
