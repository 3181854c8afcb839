/* layout_settings.c: the layout stage's settings (layout.h), read once from
 * the validated config; the only file of the stage that reads keys. */
#include "layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cxr_status read_folders(const cxr_config *conf, cxr_layout_settings *out,
                               cxr_error *err)
{
    size_t n = cxr_config_len(conf, "layout.folders");
    if (!n)
        return CXR_OK;
    if (!(out->folders = calloc(n, sizeof(*out->folders))))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    out->nfolders = n;
    for (size_t i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof(key), "layout.folders.%zu.path", i);
        out->folders[i].path = cxr_config_str(conf, key);
        snprintf(key, sizeof(key), "layout.folders.%zu.draw", i);
        out->folders[i].draw = cxr_config_str(conf, key);
        if (!out->folders[i].path)
            out->folders[i].path = "";
        if (!out->folders[i].draw)
            out->folders[i].draw = "";
    }
    return CXR_OK;
}

static cxr_status read_sample_draws(const cxr_config *conf, cxr_layout_settings *out,
                                    cxr_error *err)
{
    size_t n = cxr_config_len(conf, "sample.draws");
    if (!n)
        return CXR_OK;
    if (!(out->sample_draws = calloc(n, sizeof(*out->sample_draws))))
        return cxr_fail(err, CXR_ERR_NOMEM, "out of memory");
    out->nsample_draws = n;
    for (size_t i = 0; i < n; i++) {
        char key[64];
        const char *name;
        snprintf(key, sizeof(key), "sample.draws.%zu.name", i);
        name = cxr_config_str(conf, key);
        out->sample_draws[i] = name ? name : "";
    }
    return CXR_OK;
}

cxr_status cxr_layout_settings_read(const cxr_config *conf, cxr_layout_settings *out,
                                    cxr_error *err)
{
    const char *link = cxr_config_str(conf, "layout.link");
    const char *images = cxr_config_str(conf, "layout.images");
    cxr_status st;
    memset(out, 0, sizeof(*out));
    cxr_common_settings_read(conf, &out->common);
    out->root = cxr_config_str(conf, "layout.root");
    out->png = images && !strcmp(images, "png");
    out->image_size = (int)cxr_config_int(conf, "layout.image_size");
    out->max_dimension = (int)cxr_config_int(conf, "layout.max_dimension");
    out->verify = cxr_config_bool(conf, "layout.verify");
    out->threads = (int)cxr_config_int(conf, "layout.threads");
    out->link = link && !strcmp(link, "hardlink") ? CXR_LAYOUT_LINK_HARD
              : link && !strcmp(link, "reflink")  ? CXR_LAYOUT_LINK_REFLINK
              : link && !strcmp(link, "symlink")  ? CXR_LAYOUT_LINK_SYMLINK
              : link && !strcmp(link, "copy")     ? CXR_LAYOUT_LINK_COPY
                                                  : CXR_LAYOUT_LINK_AUTO;
    if ((st = read_folders(conf, out, err)) != CXR_OK)
        return st;
    return read_sample_draws(conf, out, err);
}

void cxr_layout_settings_release(cxr_layout_settings *s)
{
    free(s->folders);
    free(s->sample_draws);
    s->folders = NULL;
    s->sample_draws = NULL;
    s->nfolders = s->nsample_draws = 0;
}
