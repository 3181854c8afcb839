/* report_provenance.c: the report's provenance block, what ties its numbers
 * to data: the config file and its sha256, the seed, the sources' pins as
 * fetch recorded them (manifests/fetch/fetch.csv), the layout tree's digest
 * (manifests/layout/tree.sha256), each model's file and sha256, the
 * decode (score.decode) and the cxrprep version. Read from the files the
 * earlier stages wrote (contract.h), never from their code; what is not
 * there is said to be missing. */
#include "contract.h"
#include "score_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "manifest.h"
#include "report_svg.h"
#include "workdir.h"

typedef struct pin {
    char url[1024];
    char sha256[CXR_SHA256_HEX];
} pin;

/* The url and sha256 of source 'source' in fetch.csv (m may be NULL). */
static void pin_from_fetch(const cxr_manifest *m, const char *source, pin *out)
{
    int cs, cu, ch;

    if (!m)
        return;
    cs = cxr_manifest_column(m, "source");
    cu = cxr_manifest_column(m, "url");
    ch = cxr_manifest_column(m, "sha256");
    for (size_t r = 0; cs >= 0 && ch >= 0 && r < cxr_manifest_nrows(m); r++) {
        /* a row a --only run skipped holds no sha256 */
        if (strcmp(cxr_manifest_get(m, r, cs), source) != 0 || !*cxr_manifest_get(m, r, ch))
            continue;
        if (cu >= 0)
            snprintf(out->url, sizeof(out->url), "%s", cxr_manifest_get(m, r, cu));
        snprintf(out->sha256, sizeof(out->sha256), "%s", cxr_manifest_get(m, r, ch));
        return;
    }
}

/* Where fetch recorded no sha256: the config's pin, else the sha256 of the
 * file the source resolves to (a local path, or the fetch cache's copy). A
 * file that cannot be read leaves it unknown; only out of memory fails. */
static cxr_status pin_fill(const cxr_config *conf, pin *p, const cxr_source_settings *src,
                           cxr_error *err)
{
    cxr_error why = {0};
    char *local = NULL;
    cxr_status st;

    if (!p->url[0] && src->url)
        snprintf(p->url, sizeof(p->url), "%s", src->url);
    if (!p->sha256[0] && src->sha256)
        snprintf(p->sha256, sizeof(p->sha256), "%s", src->sha256);
    if (p->sha256[0] || !src->url)
        return CXR_OK;
    st = cxr_source_local_path(conf, src->url, NULL, &local, &why);
    if (st == CXR_OK && (st = cxr_sha256_file(local, p->sha256, NULL, &why)) != CXR_OK)
        p->sha256[0] = '\0';
    free(local);
    return st == CXR_ERR_NOMEM ? cxr_fail(err, CXR_ERR_NOMEM, "out of memory") : CXR_OK;
}

/* The first word of tree.sha256 ("<hex>  layout.csv"), or "" when there
 * is none. */
static cxr_status tree_digest(const cxr_config *conf, char hex[CXR_SHA256_HEX], cxr_error *err)
{
    char *path = cxr_stage_path(conf, CXR_STAGE_LAYOUT, CXR_LAYOUT_TREE_SHA256);
    FILE *fp = path ? fopen(path, "r") : NULL;

    hex[0] = '\0';
    if (!path)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    if (fp && fscanf(fp, "%64[0-9a-f]", hex) != 1)
        hex[0] = '\0';
    if (fp)
        fclose(fp);
    free(path);
    return CXR_OK;
}

static void row(FILE *f, const char *key, const char *value, const char *missing)
{
    fputs("<tr><th>", f);
    cxr_html_escape(f, key);
    fputs("</th><td>", f);
    if (value && *value) {
        fputs("<code>", f);
        cxr_html_escape(f, value);
        fputs("</code>", f);
    } else {
        fputs("<i>", f);
        cxr_html_escape(f, missing);
        fputs("</i>", f);
    }
    fputs("</td></tr>\n", f);
}

static void source_rows(FILE *f, const char *what, const pin *p)
{
    char key[96];
    snprintf(key, sizeof(key), "%s URL", what);
    row(f, key, p->url, "not configured");
    snprintf(key, sizeof(key), "%s sha256", what);
    row(f, key, p->sha256, "not recorded (not in manifests/fetch/fetch.csv, not pinned, "
                           "not readable)");
}

static void model_rows(FILE *f, const score_plan *plan)
{
    char key[256];
    for (size_t m = 0; m < plan->nmodels; m++) {
        const score_model_info *mi = &plan->models[m];
        snprintf(key, sizeof(key), "model '%s' path", mi->name ? mi->name : "");
        row(f, key, mi->path, "unknown");
        snprintf(key, sizeof(key), "model '%s' sha256", mi->name ? mi->name : "");
        row(f, key, mi->sha256, "unknown");
    }
}

cxr_status cxr_score_report_provenance(FILE *f, const cxr_config *conf,
                                       const cxr_score_settings *s, const score_plan *plan,
                                       cxr_error *err)
{
    const char *config_file = s->common.config_file ? s->common.config_file : "";
    char config_sha[CXR_SHA256_HEX] = "", tree[CXR_SHA256_HEX], seed[32];
    char *fetch_csv = cxr_stage_path(conf, CXR_STAGE_FETCH, CXR_FETCH_CSV);
    cxr_manifest *fm = NULL;
    cxr_error why = {0};
    pin meta = {"", ""}, kermany = {"", ""};
    cxr_status st = CXR_OK;

    if (!fetch_csv)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    /* a missing or unreadable fetch.csv leaves the pins to the config */
    if (cxr_is_file(fetch_csv))
        st = cxr_manifest_load(fetch_csv, NULL, &fm, &why);
    free(fetch_csv);
    if (st == CXR_ERR_NOMEM)
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    pin_from_fetch(fm, "metadata", &meta);
    pin_from_fetch(fm, "kermany", &kermany);
    cxr_manifest_free(fm);
    st = pin_fill(conf, &meta, &s->common.metadata, err);
    if (st == CXR_OK)
        st = pin_fill(conf, &kermany, &s->common.kermany, err);
    if (st == CXR_OK && *config_file &&
        (st = cxr_sha256_file(config_file, config_sha, NULL, &why)) != CXR_OK) {
        config_sha[0] = '\0';
        st = st == CXR_ERR_NOMEM ? cxr_fail(err, CXR_ERR_NOMEM, "out of memory") : CXR_OK;
    }
    if (st == CXR_OK)
        st = tree_digest(conf, tree, err);
    if (st != CXR_OK)
        return st;
    snprintf(seed, sizeof(seed), "%lld", s->common.seed);
    fputs("<h2 id=\"provenance\">Provenance</h2>\n<table class=\"provenance\">\n", f);
    row(f, "config", config_file, "none");
    row(f, "config sha256", config_sha, "not readable");
    row(f, "seed", seed, "");
    source_rows(f, "metadata", &meta);
    source_rows(f, "Kermany archive", &kermany);
    row(f, "tree sha256", tree, "not recorded (no manifests/layout/tree.sha256: "
                                "run 'cxrprep layout')");
    model_rows(f, plan);
    row(f, "decode", plan->decode_fast
            ? "fast (score.decode): JPEGs decoded by libjpeg-turbo's DCT scaling to the "
              "smallest k/8 of their size still at least the model's input, then the "
              "bilinear resize; other formats exact. Scores move from exact ones by at most "
              "0.023 on the real sets and 0.0035 on the demo (README, bench/decode_diff.sh)"
            : "exact (score.decode): the full image, then the bilinear resize (the recipe's)",
        "");
    row(f, "cxrprep version", CXR_VERSION, "");
    fputs("</table>\n", f);
    return CXR_OK;
}
