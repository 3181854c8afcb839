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
    {"fetch", CXR_T_MAP, OPT, NULL, NULL, 0, 0, "how sources are downloaded"},
    {"fetch.parallel", CXR_T_INT, OPT, "8", NULL, 1, 64, "transfers at once"},
    {"fetch.retries", CXR_T_INT, OPT, "5", NULL, 0, 100,
     "retries per file after connection errors, timeouts, 408, 429 and 5xx; "
     "a cut that moved the file forward is resumed without using one (0: none)"},
    {"fetch.backoff_ms", CXR_T_INT, OPT, "500", NULL, 0, 600000,
     "first retry delay; doubles each retry (with jitter)"},
    {"fetch.max_backoff_ms", CXR_T_INT, OPT, "30000", NULL, 0, 3600000,
     "cap on the retry delay"},
    {"fetch.max_retry_after_s", CXR_T_INT, OPT, "300", NULL, 0, 86400,
     "cap on a server's Retry-After that is honoured"},
    {"fetch.connect_timeout_s", CXR_T_INT, OPT, "30", NULL, 1, 3600, "connect timeout"},
    {"fetch.low_speed_bytes", CXR_T_SIZE, OPT, "1024", NULL, 1, 0,
     "a transfer slower than this many bytes/s ..."},
    {"fetch.low_speed_time_s", CXR_T_INT, OPT, "60", NULL, 1, 3600,
     "... for this many seconds is cut and retried (resuming)"},
    {"fetch.max_redirects", CXR_T_INT, OPT, "10", NULL, 0, 50, "redirects followed"},
    {"fetch.ca_file", CXR_T_STR, OPT, NULL, NULL, 0, 0,
     "CA bundle for TLS (default: the system's); verification is always on"},
    {"fetch.lock_file", CXR_T_STR, OPT, NULL, NULL, 0, 0,
     "pins of unpinned sources (default: the config's path with .yaml -> .lock)"},
    /* --- sample (cxrprep-sample) --- */
    {"sample", CXR_T_MAP, OPT, NULL, NULL, 0, 0,
     "seeded draws of Kermany images from the archive (cxrprep-sample)"},
    {"sample.archive_root", CXR_T_STR, OPT, "auto", NULL, 0, 0,
     "dataset root in the archive: auto, '.' for the top, or a path (chest_xray)"},
    {"sample.draws", CXR_T_MAPLIST, OPT,
     "[{name: normal_train, split: train, class: NORMAL, count: covid_train},"
     " {name: pneumonia_train, split: train, class: PNEUMONIA, count: covid_train},"
     " {name: normal_validation, split: train, class: NORMAL, count: 20,"
     " disjoint_from: [normal_train, pneumonia_train]},"
     " {name: pneumonia_validation, split: train, class: PNEUMONIA, count: 20,"
     " disjoint_from: [normal_train, pneumonia_train]}]",
     NULL, 0, 0, "the draws, in order; each writes manifests/sample/<name>.csv"},
    {"sample.draws[].name", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "the draw's name; its seed derives from the config seed and this name"},
    {"sample.draws[].split", CXR_T_ENUM, REQ, NULL, "train|test|val", 0, 0,
     "archive split the candidates come from"},
    {"sample.draws[].class", CXR_T_ENUM, REQ, NULL, "NORMAL|PNEUMONIA", 0, 0,
     "archive class the candidates come from"},
    {"sample.draws[].count", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "how many: a number, or covid_train / covid_holdout (that select manifest's rows)"},
    {"sample.draws[].disjoint_from", CXR_T_STRLIST, OPT, "[]", NULL, 0, 0,
     "earlier draws whose images this draw never takes"},
    {"sample.draws[].patient_disjoint", CXR_T_BOOL, OPT, "true", NULL, 0, 0,
     "also skip the patients (person<N>, IM-<P>, NORMAL2-IM-<P>: sample.h) of the "
     "disjoint_from draws"},
    /* --- layout (cxrprep-layout) --- */
    {"layout", CXR_T_MAP, OPT, NULL, NULL, 0, 0,
     "the training and validation trees (cxrprep-layout)"},
    {"layout.root", CXR_T_STR, OPT, "datasets", NULL, 0, 0,
     "directory of the trees, under workdir unless absolute"},
    {"layout.folders", CXR_T_MAPLIST, OPT,
     "[{path: 10_dataset/covid, draw: covid_train},"
     " {path: 10_dataset/normal, draw: normal_train},"
     " {path: 20_dataset/covid, draw: covid_train},"
     " {path: 20_dataset/pneumo, draw: pneumonia_train},"
     " {path: dataset_validation/covid_validation, draw: covid_holdout},"
     " {path: dataset_validation/normal_validation, draw: normal_validation},"
     " {path: dataset_validation/non_covid_pneumonia_validation,"
     " draw: pneumonia_validation}]",
     NULL, 0, 0, "folders of the trees and the draw that fills each"},
    {"layout.folders[].path", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "folder, relative to layout.root"},
    {"layout.folders[].draw", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "a sample draw, or covid_train / covid_holdout (the select manifests)"},
    {"layout.images", CXR_T_ENUM, OPT, "original", "original|png", 0, 0,
     "keep the original bytes, or write decoded images resized to image_size as PNG"},
    {"layout.image_size", CXR_T_INT, OPT, "224", NULL, 1, 8192,
     "side of the PNG images (layout.images: png)"},
    {"layout.max_dimension", CXR_T_INT, OPT, "10000", NULL, 1, 65535,
     "images with a wider or taller side are quarantined"},
    {"layout.link", CXR_T_ENUM, OPT, "auto", "auto|hardlink|reflink|symlink|copy", 0, 0,
     "tree files from the store (<workdir>/cache/store): reflink, hard link or symbolic "
     "link to its read-only objects, or copy (no store); auto: reflink, else hard link, "
     "else copy, per file"},
    {"layout.verify", CXR_T_BOOL, OPT, "true", NULL, 0, 0,
     "decode every image; undecodable ones are quarantined, not laid out"},
    {"layout.threads", CXR_T_INT, OPT, "2", NULL, 1, 64,
     "threads that decode images for verification"},
    /* --- score (cxrprep-score) --- */
    {"score", CXR_T_MAP, OPT, NULL, NULL, 0, 0,
     "scoring image sets with a trained ONNX model, and the report"},
    {"score.model", CXR_T_STR, OPT, NULL, NULL, 0, 0,
     "ONNX model file (--model overrides), named after its file stem; this or score.models "
     "is required to score"},
    {"score.models", CXR_T_MAPLIST, OPT, NULL, NULL, 0, 0,
     "several models scored in one run, side by side in the outputs (not with score.model)"},
    {"score.models[].name", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "model name (a file name, up to 64 bytes): CSV columns score_<name>, --model NAME"},
    {"score.models[].path", CXR_T_STR, REQ, NULL, NULL, 0, 0, "its ONNX file"},
    {"score.threshold", CXR_T_FLOAT, OPT, "0.5", NULL, 0, 1,
     "POSITIVE when the score is at least this (0 to 1)"},
    {"score.positive_index", CXR_T_INT, OPT, "0", NULL, 0, 1023,
     "the output class whose probability is the score (recipe: 0, covid)"},
    {"score.threads", CXR_T_INT, OPT, "2", NULL, 1, 256,
     "threads decoding and resizing images while the engine runs"},
    {"score.engine_threads", CXR_T_INT, OPT, "0", NULL, 0, 256,
     "threads of the inference engine (0: all cores)"},
    {"score.decode_priority", CXR_T_ENUM, OPT, "low", "low|normal", 0, 0,
     "low: decoding threads yield the cores to the engine (nice 19) and use what it leaves"},
    {"score.decode", CXR_T_ENUM, OPT, NULL, "exact|fast", 0, 0,
     "exact (when absent, so that the score section's hash stays what it was): the recipe's "
     "full decode, then the bilinear resize; fast: JPEGs come out of the IDCT scaled to the "
     "smallest k/8 still >= the model's input, then the same resize"},
    {"score.batch", CXR_T_INT, OPT, "4", NULL, 1, 1024, "images per engine call"},
    {"score.max_dimension", CXR_T_INT, OPT, "16384", NULL, 1, 65535,
     "images with a wider or taller side are reported as failed"},
    {"score.histogram_bins", CXR_T_INT, OPT, "10", NULL, 1, 1000,
     "equal-width bins over [0, 1] for the score histograms"},
    {"score.bootstrap", CXR_T_INT, OPT, "1000", NULL, 0, 1000000,
     "bootstrap resamples for the ROC AUC interval (0: none); seeded from 'seed'"},
    {"score.report", CXR_T_STR, OPT, NULL, NULL, 0, 0,
     "HTML report path (default: <workdir>/manifests/score/report.html)"},
    {"score.sets", CXR_T_MAPLIST, OPT,
     "[{name: covid_validation, folder: dataset_validation/covid_validation,"
     " truth: positive, source: ieee8023},"
     " {name: normal_validation, folder: dataset_validation/normal_validation,"
     " truth: negative, source: kermany},"
     " {name: non_covid_pneumonia_validation,"
     " folder: dataset_validation/non_covid_pneumonia_validation,"
     " truth: negative, source: kermany},"
     " {name: kermany_test_normal, archive_dir: test/NORMAL, truth: negative,"
     " source: kermany},"
     " {name: kermany_test_pneumonia, archive_dir: test/PNEUMONIA, truth: negative,"
     " source: kermany}]",
     NULL, 0, 0, "the image sets to score (default: the recipe's five)"},
    {"score.sets[].name", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "set name: output file names and report headings"},
    {"score.sets[].folder", CXR_T_STR, OPT, NULL, NULL, 0, 0,
     "a folder under <workdir>/<layout.root> (or an absolute path)"},
    {"score.sets[].archive_dir", CXR_T_STR, OPT, NULL, NULL, 0, 0,
     "'<split>/<class>' read from the Kermany archive in place, e.g. test/NORMAL"},
    {"score.sets[].truth", CXR_T_ENUM, OPT, "unknown", "positive|negative|unknown", 0, 0,
     "the true class of every image in the set, when known"},
    {"score.sets[].source", CXR_T_STR, OPT, "", NULL, 0, 0,
     "where the images come from (provenance in the report): ieee8023, kermany, ..."},

    /* --- curation: review decisions every rebuild honours --- */
    {"curation", CXR_T_MAP, OPT, NULL, NULL, 0, 0,
     "human review decisions (cxrprep serve's review page) that select and sample honour"},
    {"curation.exclusions", CXR_T_STR, OPT, NULL, NULL, 0, 0,
     "CSV of images left out of every tree (source, file, sha256, reason, time), relative "
     "to the config file; commit it beside the config; a missing file excludes nothing"},
    /* --- serve (cxrprep serve) --- */
    {"serve", CXR_T_MAP, OPT, NULL, NULL, 0, 0,
     "the review app: the upload page and the review page (cxrprep serve)"},
    {"serve.max_upload_mb", CXR_T_INT, OPT, "32", NULL, 1, 4096,
     "a request body over this many MiB is refused (413)"},
    {"serve.models", CXR_T_MAPLIST, OPT, NULL, NULL, 0, 0,
     "the models the upload page offers, the first by default (default: score.model)"},
    {"serve.models[].name", CXR_T_STR, REQ, NULL, NULL, 0, 0,
     "the model's name on the page and in the API's 'model' field"},
    {"serve.models[].path", CXR_T_STR, REQ, NULL, NULL, 0, 0, "its ONNX file"},

    {NULL, CXR_T_MAP, 0, NULL, NULL, 0, 0, NULL},
};
